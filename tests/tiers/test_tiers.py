from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.coupons import Coupon, CouponTrigger
from models.outbox import OutboxMessage
from models.tiers import (
    CustomerTier,
    DiscountKind,
    Tier,
    TierChange,
    TierChangeReason,
    TierPromotion,
)
from resolvers.tiers.standing import evaluate_tiers
from tests.authorization.table import changes, snapshot
from tests.checkout import loyalty as lo
from tests.client import Api, gid, new_key
from tests.orders import factories as f

PROMOTE = """
mutation($input: CreateTierPromotionInput!) {
  createTierPromotion(input: $input) {
    __typename ... on TierPromotionSuccess { announcedTo promotion { minRank pointsMultiplierBp } }
    ... on UserError { code field }
  }
}
"""


def _tier_input(rank: int, **extra: object) -> dict:
    return {"input": {"storeId": gid("Store", 1), "name": f"T{rank}", "rank": rank, **extra}}


async def test_an_owner_builds_a_ladder_of_increasing_criteria(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    # when
    silver = await api.data(lo.CREATE_TIER, _tier_input(1, minAmount=100000), token=token)
    gold = await api.data(
        lo.CREATE_TIER, _tier_input(2, minAmount=300000, minVisits=5), token=token
    )
    # then
    assert silver["createTier"]["__typename"] == gold["createTier"]["__typename"] == "TierSuccess"
    assert await Tier.filter(store_id=1).order_by("rank").values_list("min_amount", flat=True) == [
        100000,
        300000,
    ]


async def test_overlapping_or_decreasing_criteria_are_typed_errors_and_change_nothing(
    api: Api,
) -> None:
    # given
    existing = await lo.tier(rank=2, min_amount=300000, min_visits=5)
    token = await api.token("owner1@dangol.test")
    before = await snapshot()
    # when
    taken = await api.data(
        lo.CREATE_TIER, _tier_input(2, minAmount=500000, minVisits=9), token=token
    )
    same = await api.data(
        lo.CREATE_TIER, _tier_input(3, minAmount=300000, minVisits=5), token=token
    )
    falling = await api.data(
        lo.CREATE_TIER, _tier_input(3, minAmount=900000, minVisits=1), token=token
    )
    above_lower = await api.data(lo.CREATE_TIER, _tier_input(1, minAmount=400000), token=token)
    bad_percent = await api.data(
        lo.CREATE_TIER,
        _tier_input(4, minAmount=999999, discountKind="PERCENT", discountValue=150),
        token=token,
    )
    # then
    results = [r["createTier"] for r in (taken, same, falling, above_lower)]
    assert [r["__typename"] for r in results] == ["TierLadderInvalid"] * 4
    assert {r["conflictingTierId"] for r in results} == {gid("Tier", existing.id)}
    assert falling["createTier"]["field"] == "minVisits"
    assert bad_percent["createTier"]["__typename"] == "InvalidInput"
    assert changes(before, await snapshot()) == []


async def test_a_manager_cannot_create_a_tier(api: Api) -> None:
    # given
    token = await api.token("manager1@dangol.test")
    before = await snapshot()
    # when
    body = await api.gql(lo.CREATE_TIER, _tier_input(1), token=token)
    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert changes(before, await snapshot()) == []


async def test_an_upgrade_applies_on_completion_with_its_coupon_and_its_discount_on_the_next_order(
    api: Api,
) -> None:
    # given
    customer = await f.customer()
    welcome = await lo.template(trigger=CouponTrigger.TIER_UPGRADE)
    gold = await lo.tier(
        rank=1,
        name="Gold",
        min_amount=20000,
        discount_kind=DiscountKind.PERCENT,
        discount_value=10,
        welcome_coupon_id=welcome.id,
    )
    token = await api.token("staff1@dangol.test")
    await lo.completed_order(api, token, customer, price=10000)
    assert await CustomerTier.filter(customer_id=customer, tier_id=gold.id).count() == 0
    # when
    qualifying = await lo.completed_order(api, token, customer, price=10000)
    item = await f.product(price=10000)
    next_order = await lo.checkout(api, token, [(item.id, 1)], customer_id=customer)
    # then
    change = await TierChange.get(customer_id=customer)
    assert (change.to_tier_id, change.reason, change.order_id) == (
        gold.id,
        TierChangeReason.UPGRADE_ON_ORDER,
        f.pk(qualifying["id"]),
    )
    assert (
        await Coupon.filter(
            customer_id=customer, template_id=welcome.id, issued_reason=CouponTrigger.TIER_UPGRADE
        ).count()
        == 1
    )
    assert await OutboxMessage.filter(customer_id=customer, kind="tier.changed").count() == 1
    assert [(d["source"], d["amount"]) for d in next_order["order"]["discounts"]] == [
        ("TIER", 1000)
    ]


async def test_a_refund_of_the_order_that_earned_an_upgrade_undoes_it(api: Api) -> None:
    # given
    customer = await f.customer()
    await lo.tier(rank=1, min_amount=20000)
    token = await api.token("owner1@dangol.test")
    done = await lo.completed_order(api, token, customer, price=25000)
    refund = "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename } }"
    # when
    await api.data(
        refund, {"input": {"orderId": done["id"], "idempotencyKey": new_key()}}, token=token
    )
    # then
    assert (await CustomerTier.get(customer_id=customer)).tier_id is None
    reasons = (
        await TierChange.filter(customer_id=customer)
        .order_by("id")
        .values_list("reason", flat=True)
    )
    assert reasons == [TierChangeReason.UPGRADE_ON_ORDER, TierChangeReason.REFUND]


async def test_a_downgrade_waits_for_the_periodic_evaluation_and_the_grace_period(
    app: object,
) -> None:
    # given
    customer = await f.customer()
    gold = await lo.tier(rank=1, min_amount=10000)
    order = await f.order(customer_id=customer, price=20000, quantity=1)
    now = datetime.now(UTC)
    from models.orders import Order, OrderStatus

    await Order.filter(id=order.id).update(status=OrderStatus.COMPLETED, completed_at=now)
    # when
    upgraded = await evaluate_tiers(now)
    below = await evaluate_tiers(now + timedelta(days=400))
    in_grace = await evaluate_tiers(now + timedelta(days=420))
    after_grace = await evaluate_tiers(now + timedelta(days=431))
    # then
    assert (upgraded, below, in_grace, after_grace) == (1, 0, 0, 1)
    row = await CustomerTier.get(customer_id=customer)
    assert row.tier_id is None
    history = (
        await TierChange.filter(customer_id=customer)
        .order_by("id")
        .values_list("from_tier_id", "to_tier_id", "reason")
    )
    assert history == [
        (None, gold.id, TierChangeReason.PERIODIC_EVALUATION),
        (gold.id, None, TierChangeReason.PERIODIC_EVALUATION),
    ]


async def test_a_promotion_is_announced_to_members_from_its_rank_up(api: Api) -> None:
    # given
    silver = await lo.tier(rank=1, min_amount=1000)
    gold = await lo.tier(rank=2, min_amount=5000)
    now = datetime.now(UTC)
    for held in (silver, gold, gold):
        await CustomerTier.create(store_id=1, customer_id=await f.customer(), tier=held, since=now)
    token = await api.token("owner1@dangol.test")
    variables = {
        "input": {
            "storeId": gid("Store", 1),
            "name": "Gold week",
            "fromTierId": gid("Tier", gold.id),
            "pointsMultiplierBp": 20000,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(days=7)).isoformat(),
            "idempotencyKey": new_key(),
        }
    }
    # when
    result = (await api.data(PROMOTE, variables, token=token))["createTierPromotion"]
    # then
    assert result["announcedTo"] == 2
    assert result["promotion"] == {"minRank": 2, "pointsMultiplierBp": 20000}
    assert await OutboxMessage.filter(kind="tier.promotion").count() == 2


async def test_earn_terms_follow_the_tier_held_before_the_order_and_the_promotion(
    app: object,
) -> None:
    # given
    from models.tiers import TierPromotion
    from resolvers.tiers.promotions import earn_terms

    customer = await f.customer()
    gold = await lo.tier(rank=1, min_amount=1000, earn_rate_bp=300)
    now = datetime.now(UTC)
    before = await earn_terms(store_id=1, customer_id=customer, at=now)
    await CustomerTier.create(store_id=1, customer_id=customer, tier=gold, since=now)
    await TierPromotion.create(
        store_id=1,
        name="x2",
        min_rank=1,
        points_multiplier_bp=20000,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=1),
    )
    # when
    after = await earn_terms(store_id=1, customer_id=customer, at=now)
    # then
    assert (before, after) == ((None, 10_000), (300, 20_000))


async def test_a_retried_promotion_is_created_and_announced_once(api: Api) -> None:
    # given two gold members and one promotion, sent under one key
    gold = await lo.tier(rank=1, min_amount=5000)
    now = datetime.now(UTC)
    for _ in range(2):
        await CustomerTier.create(store_id=1, customer_id=await f.customer(), tier=gold, since=now)
    token = await api.token("owner1@dangol.test")
    promotion = {
        "storeId": gid("Store", 1),
        "name": "Gold week",
        "fromTierId": gid("Tier", gold.id),
        "pointsMultiplierBp": 20000,
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(days=7)).isoformat(),
        "idempotencyKey": "promote-1",
    }
    # when it is sent three times at once
    answers = await asyncio.gather(
        *[api.data(PROMOTE, {"input": promotion}, token=token) for _ in range(3)]
    )
    # then one promotion, announced once to each member; every answer is the first one
    results = [answer["createTierPromotion"] for answer in answers]
    assert {result["__typename"] for result in results} == {"TierPromotionSuccess"}, results
    assert {result["announcedTo"] for result in results} == {2}
    assert await TierPromotion.filter(store_id=1).count() == 1
    assert await OutboxMessage.filter(kind="tier.promotion").count() == 2
    # and the key with another multiplier is a typed error
    reused = {**promotion, "pointsMultiplierBp": 30000}
    again = (await api.data(PROMOTE, {"input": reused}, token=token))["createTierPromotion"]
    assert again["__typename"] == "IdempotencyKeyReused"
