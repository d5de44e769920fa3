"""The effect of a campaign: attribution (last message wins, N days) and uplift against the
holdout, on data planted with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.messaging import LoggingProvider
from core.settings import Settings
from models.coupons import Coupon, CouponTrigger
from models.messages import (
    CampaignStatus,
    DeliveryStatus,
    MessageCampaign,
    MessageChannel,
    MessageDelivery,
    MessageTemplate,
)
from models.orders import Order, OrderChannel, OrderStatus
from models.rewards import Redemption, RedemptionStatus, Reward
from resolvers.messages.effect import effect_of
from tests.checkout import loyalty
from tests.client import Api
from tests.messages.helpers import (
    campaign_input,
    create_campaign,
    customers,
    deliver,
    owner,
    senders_for,
    template,
)
from tests.orders.factories import pk

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)
EFFECT = """query($id: ID!) { node(id: $id) { ... on MessageCampaign { effect {
  attributionDays
  sent { customers customersVisiting visits revenue redemptions visitRate }
  holdout { customers customersVisiting visits revenue visitRate }
  uplift { visitRate visitsPerCustomer revenuePerCustomer incrementalVisits incrementalRevenue }
} } } }"""


async def visit(customer_id: int, at: datetime, total: int, refunded: int = 0) -> None:
    await Order.create(
        store_id=1,
        customer_id=customer_id,
        channel=OrderChannel.IN_STORE,
        status=OrderStatus.COMPLETED,
        subtotal=total,
        total=total,
        refunded_amount=refunded,
        completed_at=at,
    )


async def message(
    campaign: MessageCampaign, customer_id: int, status: DeliveryStatus, at: datetime
) -> None:
    await MessageDelivery.create(
        store_id=1,
        customer_id=customer_id,
        campaign_id=campaign.id,
        template_id=campaign.template_id,
        channel=MessageChannel.SMS,
        marketing=True,
        status=status,
        scheduled_at=at,
        sent_at=None if status is DeliveryStatus.HELD_OUT else at,
    )


async def campaign(
    sent: list[int], held: list[int], at: datetime, days: int = 7
) -> MessageCampaign:
    template_row = await MessageTemplate.create(store_id=1, name="t", body="안녕하세요")
    made = await MessageCampaign.create(
        store_id=1,
        template_id=template_row.id,
        name="c",
        channel=MessageChannel.SMS,
        send_at=at,
        dispatched_at=at,
        status=CampaignStatus.SENT,
        quota_month="2026-11",
        recipient_count=len(sent),
        holdout_count=len(held),
        holdout_percent=0,
        attribution_days=days,
    )
    for customer_id in sent:
        await message(made, customer_id, DeliveryStatus.DELIVERED, at)
    for customer_id in held:
        await message(made, customer_id, DeliveryStatus.HELD_OUT, at)
    return made


async def test_visits_revenue_and_redemptions_go_to_the_last_message_within_n_days(
    app: object,
) -> None:
    # given 8 recipients and 4 held out of a campaign at T0 (7 days)
    sent = await customers(8)
    held = await customers(4)
    main = await campaign(sent, held, T0)
    day = timedelta(days=1)
    await visit(sent[0], T0 + 2 * day, 10_000)
    await visit(sent[0], T0 + 8 * day, 99_000)  # after the window
    await visit(sent[0], T0 - day, 77_000)  # before the message
    await visit(sent[1], T0 + 3 * day, 10_000, refunded=2_000)
    await visit(sent[2], T0 + 2 * day, 10_000)
    await visit(sent[2], T0 + 5 * day, 55_000)  # after a later message: that one's
    later = await campaign([sent[2], held[1]], [], T0 + 3 * day)
    await visit(held[1], T0 + 4 * day, 44_000)  # after the later message: not the holdout's
    await visit(sent[3], T0 + 6 * day, 10_000)
    reward = await Reward.create(store_id=1, name="쿠키", cost_points=100)
    await Redemption.create(
        store_id=1, customer_id=sent[3], reward=reward, status=RedemptionStatus.APPLIED
    )
    await Redemption.filter(customer_id=sent[3]).update(created_at=T0 + 2 * day)
    coupon_template = await loyalty.template(1)
    await Coupon.create(
        store_id=1,
        template=coupon_template,
        customer_id=sent[3],
        issued_reason=CouponTrigger.SEGMENT,
        expires_at=T0 + 30 * day,
        used_at=T0 + 4 * day,
    )
    await visit(held[0], T0 + day, 5_000)
    # when
    found = await effect_of(main)
    second = await effect_of(later)
    # then
    assert (found.sent.customers, found.sent.customers_visiting) == (8, 4)
    assert (found.sent.visits, found.sent.revenue, found.sent.redemptions) == (4, 38_000, 2)
    assert found.holdout is not None and found.uplift is not None
    assert (found.holdout.customers, found.holdout.visits, found.holdout.revenue) == (4, 1, 5_000)
    assert found.uplift.visit_rate == 4 / 8 - 1 / 4
    assert found.uplift.visits_per_customer == 4 / 8 - 1 / 4
    assert found.uplift.incremental_visits == (4 / 8 - 1 / 4) * 8
    assert found.uplift.revenue_per_customer == 38_000 / 8 - 5_000 / 4
    assert found.uplift.incremental_revenue == (38_000 / 8 - 5_000 / 4) * 8
    assert (second.sent.visits, second.sent.revenue) == (2, 99_000)
    assert second.holdout is None and second.uplift is None


async def test_the_window_is_the_campaigns_own_number_of_days(app: object) -> None:
    # given the same visit, 10 days after the message, for a 7-day and a 14-day campaign
    short_customer, long_customer = await customers(2)
    short = await campaign([short_customer], [], T0, days=7)
    long = await campaign([long_customer], [], T0, days=14)
    await visit(short_customer, T0 + timedelta(days=10), 1_000)
    await visit(long_customer, T0 + timedelta(days=10), 1_000)
    # when / then
    assert (await effect_of(short)).sent.visits == 0
    assert (await effect_of(long)).sent.visits == 1


async def test_the_api_reports_uplift_against_a_random_holdout(
    api: Api, settings: Settings
) -> None:
    # given a campaign to 125 customers with 20% held out, sent through the outbox
    await customers(125)
    token = await owner(api)
    made = await create_campaign(
        api, token, campaign_input(await template(api, token), holdoutPercent=20)
    )
    campaign_id = made["campaign"]["id"]
    assert (made["campaign"]["recipientCount"], made["campaign"]["holdoutCount"]) == (100, 25)
    await deliver(senders_for(LoggingProvider(), settings))
    now = datetime.now(UTC)
    groups: dict[DeliveryStatus, list[Any]] = {
        status: await MessageDelivery.filter(campaign_id=pk(campaign_id), status=status)
        .order_by("id")
        .values_list("customer_id", flat=True)
        for status in (DeliveryStatus.SENT, DeliveryStatus.HELD_OUT)
    }
    # and 30 recipients and 5 held-out customers visit within the week, 10 more after it
    for customer_id in groups[DeliveryStatus.SENT][:30]:
        await visit(customer_id, now + timedelta(days=2), 6_000)
    for customer_id in groups[DeliveryStatus.SENT][30:40]:
        await visit(customer_id, now + timedelta(days=9), 6_000)
    for customer_id in groups[DeliveryStatus.HELD_OUT][:5]:
        await visit(customer_id, now + timedelta(days=3), 4_000)
    # when
    body = await api.data(EFFECT, {"id": campaign_id}, token=token)
    # then
    effect = body["node"]["effect"]
    assert effect["attributionDays"] == 7
    assert effect["sent"] == {
        "customers": 100,
        "customersVisiting": 30,
        "visits": 30,
        "revenue": 180_000,
        "redemptions": 0,
        "visitRate": 0.3,
    }
    assert effect["holdout"] == {
        "customers": 25,
        "customersVisiting": 5,
        "visits": 5,
        "revenue": 20_000,
        "visitRate": 0.2,
    }
    uplift = effect["uplift"]
    assert round(uplift["visitRate"], 9) == 0.1
    assert round(uplift["incrementalVisits"], 6) == 10.0
    assert uplift["revenuePerCustomer"] == 1_800 - 800
    assert uplift["incrementalRevenue"] == 100_000
