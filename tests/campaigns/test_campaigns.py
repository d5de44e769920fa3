"""The cup-holder campaign: the grade discount table, its rounding, Platinum incentives, usage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.audit import AuditEntry
from models.campaigns import CupHolderCampaign, CupHolderUsage
from models.stores import CampaignGrade, Plan, Store
from resolvers.campaigns import DISCOUNT_PERCENT, effective_grade, unit_cost
from tests.client import Api, gid

RECORD = """
mutation($input: RecordCupHolderUsageInput!) {
  recordCupHolderUsage(input: $input) {
    __typename
    ... on RecordCupHolderUsageSuccess {
      entry { id units grade unitCost cost incentive correctsUsageId }
    }
    ... on UserError { code message field }
  }
}
"""
JOIN = """
mutation($input: JoinCupHolderCampaignInput!) {
  joinCupHolderCampaign(input: $input) { __typename ... on UserError { code } }
}
"""
USAGE = """
query($id: ID!, $from: Date!, $to: Date!) {
  store(id: $id) {
    cupHolderUsage(period: {from: $from, to: $to}) {
      units cost incentive
      campaigns { campaign { name } units cost incentive }
      entries(first: 10) { edges { node { units note } } }
    }
  }
}
"""
CAMPAIGNS = """
query($id: ID!) {
  cupHolderCampaigns(storeId: $id) {
    joined grade unitCost incentivePerUnit
    campaign { name prices { grade discountPercent unitCost incentivePerUnit } }
  }
}
"""


@pytest.mark.parametrize(
    ("grade", "percent", "cost_of_35", "cost_of_1000"),
    [
        (CampaignGrade.BRONZE, 50, 18, 500),  # 17.5 rounds half up to 18
        (CampaignGrade.SILVER, 70, 11, 300),  # 10.5 -> 11
        (CampaignGrade.GOLD, 90, 4, 100),  # 3.5 -> 4
        (CampaignGrade.PLATINUM, 100, 0, 0),  # free
    ],
)
def test_the_grade_discount_table_rounds_half_up_to_whole_won(
    grade: CampaignGrade, percent: int, cost_of_35: int, cost_of_1000: int
) -> None:
    assert DISCOUNT_PERCENT[grade] == percent
    assert unit_cost(35, grade) == cost_of_35
    assert unit_cost(1000, grade) == cost_of_1000


def test_rounding_is_per_unit_so_amounts_are_linear_in_units() -> None:
    # given a unit price whose Bronze half is 0.5 won: 33 -> 16.5 -> 17 a unit
    # then 3 units cost 3 x 17, never round(3 x 16.5) = 50
    assert unit_cost(33, CampaignGrade.BRONZE) == 17
    assert 3 * unit_cost(33, CampaignGrade.BRONZE) == 51
    assert unit_cost(1, CampaignGrade.BRONZE) == 1  # 0.5 rounds up
    assert unit_cost(1, CampaignGrade.SILVER) == 0  # 0.3 rounds down


def test_the_grade_is_the_higher_of_the_plans_and_the_admins() -> None:
    assert effective_grade(Plan.BASIC, CampaignGrade.BRONZE) == CampaignGrade.BRONZE
    assert effective_grade(Plan.PLUS, CampaignGrade.BRONZE) == CampaignGrade.SILVER
    assert effective_grade(Plan.PREMIUM, CampaignGrade.BRONZE) == CampaignGrade.GOLD
    assert effective_grade(Plan.BASIC, CampaignGrade.PLATINUM) == CampaignGrade.PLATINUM
    assert effective_grade(Plan.PREMIUM, CampaignGrade.SILVER) == CampaignGrade.GOLD


async def _campaign(unit_price: int = 35, incentive: int = 5) -> CupHolderCampaign:
    today = datetime.now(UTC).date()
    return await CupHolderCampaign.create(
        name="테스트 캠페인",
        supply_item="컵홀더",
        unit_price=unit_price,
        incentive_per_unit=incentive,
        starts_on=today - timedelta(days=30),
        ends_on=today + timedelta(days=30),
    )


async def _record(api: Api, token: str, store: int, campaign: int, units: int, **extra: object):
    body = await api.data(
        RECORD,
        {
            "input": {
                "storeId": gid("Store", store),
                "campaignId": gid("CupHolderCampaign", campaign),
                "units": units,
                "idempotencyKey": f"k-{store}-{campaign}-{units}-{extra.get('correctsUsageId')}",
                **extra,
            }
        },
        token=token,
    )
    return body["recordCupHolderUsage"]


async def test_platinum_usage_is_free_and_earns_the_incentive_and_a_correction_cancels_it(
    api: Api,
) -> None:
    # given store 1 (Platinum in the demo data) in a campaign at 35 won with 5 won incentive
    owner = await api.token("owner1@dangol.test")
    campaign = await _campaign()
    joined = await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 1),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    assert joined["joinCupHolderCampaign"]["__typename"] == "JoinCupHolderCampaignSuccess"
    # when 100 units are used, then 10 of them taken back
    used = await _record(api, owner, 1, campaign.id, 100)
    fixed = await _record(api, owner, 1, campaign.id, -10, correctsUsageId=used["entry"]["id"])
    # then the entries are priced at Platinum: free, 5 won earned a unit
    assert used["entry"] == {
        "id": used["entry"]["id"],
        "units": 100,
        "grade": "PLATINUM",
        "unitCost": 0,
        "cost": 0,
        "incentive": 500,
        "correctsUsageId": None,
    }
    assert fixed["entry"]["incentive"] == -50
    assert fixed["entry"]["correctsUsageId"] == used["entry"]["id"]
    # and both entries are kept (append-only), netting 90 units and 450 won of incentive
    assert await CupHolderUsage.filter(campaign_id=campaign.id).count() == 2
    today = datetime.now(UTC).date()
    report = await api.data(
        USAGE,
        {
            "id": gid("Store", 1),
            "from": (today - timedelta(days=1)).isoformat(),
            "to": (today + timedelta(days=1)).isoformat(),
        },
        token=owner,
    )
    row = next(
        c
        for c in report["store"]["cupHolderUsage"]["campaigns"]
        if c["campaign"]["name"] == "테스트 캠페인"
    )
    assert row == {"campaign": {"name": "테스트 캠페인"}, "units": 90, "cost": 0, "incentive": 450}


async def test_a_silver_store_pays_its_rounded_price_and_earns_nothing(api: Api) -> None:
    # given store 2: Plus plan, so Silver (70% off 35 won = 10.5 -> 11 won a unit)
    owner = await api.token("owner2@dangol.test")
    campaign = await _campaign()
    await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 2),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    # when
    used = await _record(api, owner, 2, campaign.id, 7)
    offers = await api.data(CAMPAIGNS, {"id": gid("Store", 2)}, token=owner)
    # then
    assert (used["entry"]["grade"], used["entry"]["cost"], used["entry"]["incentive"]) == (
        "SILVER",
        77,
        0,
    )
    offer = next(
        o for o in offers["cupHolderCampaigns"] if o["campaign"]["name"] == "테스트 캠페인"
    )
    assert (offer["joined"], offer["grade"], offer["unitCost"], offer["incentivePerUnit"]) == (
        True,
        "SILVER",
        11,
        0,
    )
    assert [(p["grade"], p["unitCost"]) for p in offer["campaign"]["prices"]] == [
        ("BRONZE", 18),
        ("SILVER", 11),
        ("GOLD", 4),
        ("PLATINUM", 0),
    ]


async def test_usage_needs_the_store_to_have_joined_and_a_retry_records_once(api: Api) -> None:
    # given a campaign store 2 has not joined
    owner = await api.token("owner2@dangol.test")
    campaign = await _campaign()
    # when
    refused = await _record(api, owner, 2, campaign.id, 5)
    await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 2),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    first = await _record(api, owner, 2, campaign.id, 5)
    retried = await _record(api, owner, 2, campaign.id, 5)
    # then
    assert refused["code"] == "NOT_ENROLLED"
    assert first["entry"]["id"] == retried["entry"]["id"]
    assert await CupHolderUsage.filter(campaign_id=campaign.id).count() == 1


async def test_a_correction_cannot_take_back_more_than_the_entry_had(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    campaign = await _campaign()
    await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 1),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    used = await _record(api, owner, 1, campaign.id, 10)
    # when
    too_much = await _record(api, owner, 1, campaign.id, -11, correctsUsageId=used["entry"]["id"])
    negative = await _record(api, owner, 1, campaign.id, -3)
    # then
    assert (too_much["code"], too_much["field"]) == ("INVALID_INPUT", "units")
    assert negative["code"] == "INVALID_INPUT"


async def test_usage_rows_cannot_be_edited(api: Api) -> None:
    # given
    entry = await CupHolderUsage.filter(store_id=1).first()
    assert entry is not None
    # when / then the append-only trigger refuses an edit
    with pytest.raises(Exception, match="append-only"):
        await CupHolderUsage.filter(id=entry.id).update(units=1)


async def test_a_grade_change_prices_new_usage_only(api: Api) -> None:
    # given store 2 (Silver) with one entry
    owner = await api.token("owner2@dangol.test")
    campaign = await _campaign()
    await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 2),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    before = await _record(api, owner, 2, campaign.id, 4)
    # when the platform raises it to Gold
    await Store.filter(id=2).update(campaign_grade=CampaignGrade.GOLD)
    after = await _record(api, owner, 2, campaign.id, 3)
    # then the first entry keeps its price
    assert (before["entry"]["grade"], before["entry"]["cost"]) == ("SILVER", 44)
    assert (after["entry"]["grade"], after["entry"]["cost"]) == ("GOLD", 12)


CHANGE_GRADE = """
mutation($input: ChangeStoreCampaignGradeInput!) {
  changeStoreCampaignGrade(input: $input) {
    __typename ... on UpdateStoreSuccess { store { plan campaignGrade } }
  }
}
"""


async def test_an_admin_raises_a_stores_grade_and_it_is_audited(api: Api) -> None:
    # given store 2 on Plus (Silver)
    admin = await api.token("admin@dangol.test")
    owner = await api.token("owner2@dangol.test")
    campaign = await _campaign()
    await api.data(
        JOIN,
        {
            "input": {
                "storeId": gid("Store", 2),
                "campaignId": gid("CupHolderCampaign", campaign.id),
            }
        },
        token=owner,
    )
    # when the admin sets Platinum
    changed = await api.data(
        CHANGE_GRADE, {"input": {"storeId": gid("Store", 2), "grade": "PLATINUM"}}, token=admin
    )
    used = await _record(api, owner, 2, campaign.id, 10)
    # then the store is Platinum: free supplies and the incentive, and the change is in the log
    assert changed["changeStoreCampaignGrade"]["store"] == {
        "plan": "PLUS",
        "campaignGrade": "PLATINUM",
    }
    assert (used["entry"]["cost"], used["entry"]["incentive"]) == (0, 50)
    entry = await AuditEntry.get(action="store.change_campaign_grade", store_id=2)
    assert (entry.before, entry.after) == (
        {"campaign_grade": "BRONZE"},
        {"campaign_grade": "PLATINUM"},
    )
