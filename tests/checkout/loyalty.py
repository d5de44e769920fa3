"""Objects and documents shared by the tests of tiers, coupons, stamps and checkout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.coupons import (
    Coupon,
    CouponKind,
    CouponTemplate,
    CouponTrigger,
    FirstVisitOffer,
    FirstVisitOfferKind,
)
from models.tiers import DiscountKind, Tier
from tests.client import Api, gid
from tests.orders import factories as f

CHECKOUT = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    __typename
    ... on OrderSuccess { order { id subtotal discountTotal total discounts
      { source description amount referenceId } } }
    ... on UserError { code message field }
  }
}
"""
CREATE_TIER = """
mutation($input: CreateTierInput!) {
  createTier(input: $input) {
    __typename
    ... on TierSuccess { tier
      { id name rank minAmount minVisits minPoints discountKind discountValue } }
    ... on TierLadderInvalid { conflictingTierId }
    ... on UserError { code message field }
  }
}
"""


async def tier(
    store_id: int = f.STORE_1,
    *,
    rank: int,
    name: str | None = None,
    min_amount: int = 0,
    min_visits: int = 0,
    discount_kind: DiscountKind = DiscountKind.NONE,
    discount_value: int = 0,
    earn_rate_bp: int | None = None,
    welcome_coupon_id: int | None = None,
) -> Tier:
    return await Tier.create(
        store_id=store_id,
        name=name or f"Tier {rank}",
        rank=rank,
        min_amount=min_amount,
        min_visits=min_visits,
        discount_kind=discount_kind,
        discount_value=discount_value,
        earn_rate_bp=earn_rate_bp,
        welcome_coupon_id=welcome_coupon_id,
    )


async def template(
    store_id: int = f.STORE_1,
    *,
    kind: CouponKind = CouponKind.FIXED,
    value: int = 1000,
    minimum_spend: int = 0,
    trigger: CouponTrigger = CouponTrigger.MANUAL,
    product_id: int | None = None,
) -> CouponTemplate:
    return await CouponTemplate.create(
        store_id=store_id,
        name=f"{kind.value} {value}",
        kind=kind,
        value=value,
        minimum_spend=minimum_spend,
        trigger=trigger,
        product_id=product_id,
    )


async def coupon(
    customer_id: int, store_id: int = f.STORE_1, *, days: int = 30, **template_args: Any
) -> Coupon:
    made = await template(store_id, **template_args)
    now = datetime.now(UTC)
    return await Coupon.create(
        store_id=store_id,
        template=made,
        customer_id=customer_id,
        issued_reason=CouponTrigger.MANUAL,
        issued_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=days),
    )


async def offer(
    store_id: int = f.STORE_1, *, kind: FirstVisitOfferKind, value: int = 0, **extra: Any
) -> FirstVisitOffer:
    return await FirstVisitOffer.create(store_id=store_id, kind=kind, value=value, **extra)


async def checkout(
    api: Api, token: str, lines: list[tuple[int, int]], **extra: Any
) -> dict[str, Any]:
    variables = f.order_input(f.STORE_1, lines, **extra)
    return (await api.data(CHECKOUT, variables, token=token))["createOrder"]


async def completed_order(
    api: Api, token: str, customer_id: int, price: int, quantity: int = 1
) -> dict[str, Any]:
    item = await f.product(price=price)
    made = await checkout(api, token, [(item.id, quantity)], customer_id=customer_id)
    assert made["__typename"] == "OrderSuccess", made
    return await f.complete(api, token, made["order"]["id"])


__all__ = ["gid"]
