"""The cup-holder campaign (G1): read by owners and managers, joined by owners, usage recorded
by owners and managers, campaigns created by admins."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.campaigns import CupHolderCampaign
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid

CAMPAIGNS = """
query($storeId: ID!) { cupHolderCampaigns(storeId: $storeId) { joined campaign { id } } }
"""
USAGE = "query($id: ID!) { store(id: $id) { id cupHolderUsage { units cost } } }"
CREATE = """
mutation($input: CreateCupHolderCampaignInput!) {
  createCupHolderCampaign(input: $input) { __typename }
}
"""
JOIN = """
mutation($input: JoinCupHolderCampaignInput!) {
  joinCupHolderCampaign(input: $input) { __typename }
}
"""
RECORD = """
mutation($input: RecordCupHolderUsageInput!) {
  recordCupHolderUsage(input: $input) { __typename }
}
"""

READ = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)


async def fresh_campaign() -> CupHolderCampaign:
    today = datetime.now(UTC).date()
    return await CupHolderCampaign.create(
        name="table campaign",
        supply_item="컵홀더",
        unit_price=40,
        incentive_per_unit=4,
        starts_on=today - timedelta(days=40),
        ends_on=today + timedelta(days=40),
    )


async def _join(w: World, target: str) -> dict:
    campaign = await fresh_campaign()
    return {
        "input": {"storeId": w.store(target), "campaignId": gid("CupHolderCampaign", campaign.id)}
    }


async def _record(w: World, target: str) -> dict:
    demo = await CupHolderCampaign.filter(name__startswith="2026").first()
    assert demo is not None
    return {
        "input": {
            "storeId": w.store(target),
            "campaignId": gid("CupHolderCampaign", demo.id),
            "units": 30,
            "idempotencyKey": w.unique("usage"),
        }
    }


def _create(w: World, target: str) -> dict:
    today = datetime.now(UTC).date()
    return {
        "input": {
            "name": w.unique("campaign"),
            "supplyItem": "컵홀더",
            "unitPrice": 35,
            "startsOn": today.isoformat(),
            "endsOn": (today + timedelta(days=30)).isoformat(),
        }
    }


ROWS = [
    Row("Query.cupHolderCampaigns", CAMPAIGNS, lambda w, t: {"storeId": w.store(t)}, **READ),
    Row("Store.cupHolderUsage", USAGE, lambda w, t: {"id": w.store(t)}, **READ),
    Row(
        "Mutation.createCupHolderCampaign",
        CREATE,
        _create,
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    Row(
        "Mutation.joinCupHolderCampaign",
        JOIN,
        _join,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.recordCupHolderUsage",
        RECORD,
        _record,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]
