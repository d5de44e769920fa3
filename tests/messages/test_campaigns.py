"""Campaigns through the API: plan gating, the quota under racing campaigns, consent,
idempotent creation, scheduling in the store's time zone, cancellation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from core.context import Context
from models.messages import MessageCampaign, MessageDelivery, MessageQuota
from models.outbox import OutboxMessage
from models.stores import Plan
from models.tiers import CustomerTier
from policies.enforcement import Principal
from resolvers.messages import campaigns
from tests.checkout import loyalty
from tests.client import Api, error_code, gid
from tests.messages.helpers import (
    CANCEL_CAMPAIGN,
    CREATE_CAMPAIGN,
    QUOTA,
    STORE1,
    campaign_input,
    create_campaign,
    customers,
    owner,
    set_plan,
    statuses,
    template,
)
from tests.orders.factories import pk
from tests.statements import recorded


async def test_basic_stores_get_plan_upgrade_required_and_nothing_is_made(api: Api) -> None:
    # given a Basic store with consenting customers
    await set_plan(1, Plan.BASIC)
    await customers(3)
    token = await owner(api)
    template_id = await template(api, token)
    # when
    body = await api.gql(CREATE_CAMPAIGN, campaign_input(template_id), token=token)
    # then
    assert error_code(body) == "PLAN_UPGRADE_REQUIRED"
    assert body["errors"][0]["extensions"]["requiredPlan"] == "PLUS"
    assert await MessageCampaign.all().count() == 0
    quota = (await api.data(QUOTA, {"id": STORE1}, token=token))["store"]["messageQuota"]
    assert (quota["plan"], quota["monthlyLimit"], quota["remaining"]) == ("BASIC", 0, 0)


async def test_racing_campaigns_never_pass_the_monthly_quota(api: Api) -> None:
    # given a Plus store (30 a month) and 12 consenting customers
    await set_plan(1, Plan.PLUS)
    await customers(12)
    token = await owner(api)
    template_id = await template(api, token)
    # when four campaigns of 12 race (48 > 30)
    answers = await asyncio.gather(
        *(create_campaign(api, token, campaign_input(template_id)) for _ in range(4))
    )
    # then two went through, the others were refused with what was left
    kinds = sorted(answer["__typename"] for answer in answers)
    assert kinds == ["MessageCampaignSuccess"] * 2 + ["MessageQuotaExceeded"] * 2
    refused = [a for a in answers if a["__typename"] == "MessageQuotaExceeded"]
    assert all(a["remaining"] == 6 and a["requested"] == 12 for a in refused)
    assert all(a["monthlyLimit"] == 30 for a in refused)
    assert await MessageDelivery.all().count() == 24
    assert await MessageQuota.filter(store_id=1).values_list("used", flat=True) == [24]
    quota = (await api.data(QUOTA, {"id": STORE1}, token=token))["store"]["messageQuota"]
    assert (quota["used"], quota["remaining"]) == (24, 6)


async def test_only_customers_who_consented_receive_a_campaign(api: Api) -> None:
    # given two customers who consented and three who did not
    consenting = await customers(2, consent=True)
    await customers(3, consent=False)
    token = await owner(api)
    template_id = await template(api, token)
    # when
    result = await create_campaign(api, token, campaign_input(template_id))
    # then
    assert result["__typename"] == "MessageCampaignSuccess", result
    assert result["campaign"]["recipientCount"] == 2
    sent_to = await MessageDelivery.all().values_list("customer_id", flat=True)
    assert sorted(sent_to) == sorted(consenting)


async def test_the_same_key_makes_one_campaign_even_when_retries_race(api: Api) -> None:
    # given
    await customers(3)
    token = await owner(api)
    template_id = await template(api, token)
    variables = campaign_input(template_id)
    # when the same request arrives five times at once, then once more
    answers = await asyncio.gather(*(create_campaign(api, token, variables) for _ in range(5)))
    again = await create_campaign(api, token, variables)
    # then one campaign answered every time, its messages queued once
    ids = {a["campaign"]["id"] for a in [*answers, again]}
    assert len(ids) == 1
    assert await MessageCampaign.all().count() == 1
    assert await OutboxMessage.filter(kind="message").count() == 3
    # and the key with another input is refused
    other = campaign_input(template_id, name="다른 캠페인")
    other["input"]["idempotencyKey"] = variables["input"]["idempotencyKey"]
    reused = await create_campaign(api, token, other)
    assert reused["__typename"] == "IdempotencyKeyReused"


async def test_a_scheduled_campaign_is_sent_by_the_job_at_its_time(api: Api, app: Any) -> None:
    # given a campaign for 21:00 tomorrow, written in the store's local time (no offset)
    await customers(2)
    token = await owner(api)
    template_id = await template(api, token)
    seoul_tomorrow = (datetime.now(UTC) + timedelta(hours=9)).date() + timedelta(days=1)
    local = f"{seoul_tomorrow.isoformat()}T21:00:00"
    result = await create_campaign(api, token, campaign_input(template_id, sendAt=local))
    assert result["__typename"] == "MessageCampaignSuccess", result
    send_at = datetime.fromisoformat(result["campaign"]["sendAt"])
    assert send_at == datetime.fromisoformat(f"{local}+09:00")
    assert result["campaign"]["status"] == "SCHEDULED"
    campaign_pk = pk(result["campaign"]["id"])
    ctx = Context.for_principal(app.state.services, Principal())
    # when the job runs a minute early, then at the time
    early = await campaigns.dispatch_due(ctx, send_at - timedelta(minutes=1))
    early_statuses = await statuses(campaign_pk)
    on_time = await campaigns.dispatch_due(ctx, send_at)
    # then nothing went out early; at its time both were queued in the outbox for then
    assert early == 0 and early_statuses == ["SCHEDULED", "SCHEDULED"]
    assert on_time == 2
    assert await statuses(campaign_pk) == ["QUEUED", "QUEUED"]
    queued = await OutboxMessage.filter(kind="message").values_list("available_at", flat=True)
    assert queued == [send_at, send_at]
    assert (await MessageCampaign.get(id=campaign_pk)).status.value == "SENDING"


async def test_a_scheduled_campaign_can_be_cancelled_and_gives_its_quota_back(api: Api) -> None:
    # given
    await set_plan(1, Plan.PLUS)
    await customers(10)
    token = await owner(api)
    template_id = await template(api, token)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = await create_campaign(api, token, campaign_input(template_id, sendAt=later))
    quota = (await api.data(QUOTA, {"id": STORE1}, token=token))["store"]["messageQuota"]
    assert quota["used"] == 10
    # when
    cancel = {"input": {"campaignId": made["campaign"]["id"]}}
    cancelled = (await api.data(CANCEL_CAMPAIGN, cancel, token=token))["cancelMessageCampaign"]
    twice = (await api.data(CANCEL_CAMPAIGN, cancel, token=token))["cancelMessageCampaign"]
    # then
    assert cancelled["campaign"]["status"] == "CANCELLED"
    assert cancelled["campaign"]["summary"]["cancelled"] == 10
    assert twice == {
        "__typename": "CampaignNotCancellable",
        "status": "CANCELLED",
        "code": "CAMPAIGN_NOT_CANCELLABLE",
        "message": twice["message"],
        "field": "campaignId",
    }
    quota = (await api.data(QUOTA, {"id": STORE1}, token=token))["store"]["messageQuota"]
    assert quota["used"] == 0


async def test_a_campaign_sent_now_cannot_be_cancelled(api: Api) -> None:
    # given
    await customers(1)
    token = await owner(api)
    made = await create_campaign(api, token, campaign_input(await template(api, token)))
    # when
    cancel = {"input": {"campaignId": made["campaign"]["id"]}}
    answer = (await api.data(CANCEL_CAMPAIGN, cancel, token=token))["cancelMessageCampaign"]
    # then
    assert made["campaign"]["status"] == "SENDING"
    assert answer["__typename"] == "CampaignNotCancellable" and answer["status"] == "SENDING"


async def test_audiences_combine_segment_tag_and_tier_and_the_preview_counts_them(
    api: Api,
) -> None:
    # given dormant customers, some tagged vip, some not consenting
    long_ago = datetime.now(UTC) - timedelta(days=60)
    dormant: dict[str, Any] = {
        "last_visit_at": long_ago,
        "first_visit_at": long_ago,
        "visit_count": 3,
    }
    vip = await customers(2, tags=("vip",), **dormant)
    await customers(3, **dormant)
    await customers(1, consent=False, tags=("vip",), **dormant)
    await customers(2, tags=("vip",))
    token = await owner(api)
    preview = """query($id: ID!, $a: MessageAudienceInput!) { store(id: $id) {
      messageAudience(audience: $a) { matching reachable quotaRemaining } } }"""
    audience = {"segment": "DORMANT", "tag": "vip"}
    # when
    seen = (await api.data(preview, {"id": STORE1, "a": audience}, token=token))["store"]
    made = await create_campaign(
        api, token, campaign_input(await template(api, token), audience=audience)
    )
    # then
    assert seen["messageAudience"] == {"matching": 3, "reachable": 2, "quotaRemaining": 300}
    assert made["campaign"]["recipientCount"] == 2
    assert made["campaign"]["audience"]["segment"] == "DORMANT"
    sent_to = await MessageDelivery.all().values_list("customer_id", flat=True)
    assert sorted(sent_to) == sorted(vip)


async def test_another_stores_template_or_tier_is_absent(api: Api) -> None:
    # given
    await customers(1)
    token = await owner(api)
    theirs = await template(api, await owner(api, 2), store=gid("Store", 2))
    # when
    wrong_template = await create_campaign(api, token, campaign_input(theirs))
    wrong_tier = await create_campaign(
        api,
        token,
        campaign_input(await template(api, token), audience={"tierId": gid("Tier", 999)}),
    )
    # then
    assert (wrong_template["__typename"], wrong_template["field"]) == ("NotFound", "templateId")
    assert (wrong_tier["__typename"], wrong_tier["field"]) == ("NotFound", "audience.tierId")
    assert await MessageCampaign.all().count() == 0


async def test_a_page_of_campaigns_costs_the_same_statements_whatever_its_size(
    api: Api,
) -> None:
    # given twelve campaigns, each with its template and its summary
    await customers(2)
    token = await owner(api)
    template_id = await template(api, token)
    for _ in range(12):
        await create_campaign(api, token, campaign_input(template_id))
    page = """query($id: ID!, $first: Int) { store(id: $id) { messageCampaigns(first: $first) {
      edges { node { id status template { name } summary { queued sent } } } } } }"""
    await api.data(page, {"id": STORE1, "first": 1}, token=token)
    # when
    with recorded() as small:
        await api.data(page, {"id": STORE1, "first": 2}, token=token)
    with recorded() as large:
        found = await api.data(page, {"id": STORE1, "first": 12}, token=token)
    # then
    assert len(found["store"]["messageCampaigns"]["edges"]) == 12
    assert small and len(large) == len(small), (small, large)


async def test_a_page_of_deliveries_costs_the_same_statements_whatever_its_size(
    api: Api,
) -> None:
    # given a campaign to twelve customers
    await customers(12)
    token = await owner(api)
    made = await create_campaign(api, token, campaign_input(await template(api, token)))
    page = """query($id: ID!, $first: Int) { node(id: $id) { ... on MessageCampaign {
      deliveries(first: $first) { edges { node { status customer { id name phone } } } } } } }"""
    variables = {"id": made["campaign"]["id"]}
    await api.data(page, {**variables, "first": 1}, token=token)
    # when
    with recorded() as small:
        await api.data(page, {**variables, "first": 2}, token=token)
    with recorded() as large:
        found = await api.data(page, {**variables, "first": 12}, token=token)
    # then
    assert len(found["node"]["deliveries"]["edges"]) == 12
    assert small and len(large) == len(small), (small, large)


async def test_a_tier_audience_reaches_that_tiers_members_with_the_tag_given(api: Api) -> None:
    # given gold members (two tagged, one not) and a tagged customer without a tier
    gold = await loyalty.tier(rank=1, name="골드")
    members = await customers(3, tags=("coffee",))
    untagged = await customers(1)
    await customers(1, tags=("coffee",))
    for customer_id in [*members[:2], *untagged]:
        await CustomerTier.create(
            store_id=1, customer_id=customer_id, tier_id=gold.id, since=datetime.now(UTC)
        )
    token = await owner(api)
    audience = {"tierId": gid("Tier", gold.id), "tag": "coffee"}
    # when
    made = await create_campaign(
        api, token, campaign_input(await template(api, token), audience=audience)
    )
    # then
    assert made["campaign"]["audience"]["tierId"] == gid("Tier", gold.id)
    sent_to = await MessageDelivery.all().values_list("customer_id", flat=True)
    assert sorted(sent_to) == sorted(members[:2])
