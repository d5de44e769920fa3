"""Checkout: the benefits an order gets, computed on the server, in this order:

1. the customer's tier discount (rate or fixed; all / category / product),
2. at most one coupon,
3. the redeemed rewards (the points engine's ``apply_to_order``),
4. the first-visit offer.

Each benefit is taken off what remains after the ones before it, so the
total never goes below zero, and each is kept as an ``OrderDiscount`` line.
Runs inside the transaction that creates the order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from core.errors import InvalidInput
from models.catalogue import Product
from models.orders import DiscountSource, Order, OrderDiscount, OrderLine
from models.tiers import CustomerTier, DiscountKind, DiscountScope, Tier, TierChangeReason
from resolvers import coupons, offers, stamps
from resolvers.orders.terms import Terms
from resolvers.rewards import apply_to_order
from resolvers.tiers import standing

MAX_REDEMPTIONS = 20


@dataclass(frozen=True)
class Benefits:
    coupon_id: int | None = None
    redemption_ids: tuple[int, ...] = ()


def _tier_amount(
    tier: Tier, lines: Sequence[OrderLine], categories: dict[int, int | None], running: int
) -> int:
    if tier.discount_kind == DiscountKind.NONE:
        return 0
    if tier.discount_scope == DiscountScope.ALL:
        eligible = running
    else:
        eligible = min(
            running,
            sum(
                line.line_total
                for line in lines
                if (
                    tier.discount_scope == DiscountScope.PRODUCT
                    and line.product_id == tier.discount_product_id
                )
                or (
                    tier.discount_scope == DiscountScope.CATEGORY
                    and categories.get(line.product_id) == tier.discount_category_id
                )
            ),
        )
    if tier.discount_kind == DiscountKind.PERCENT:
        return eligible * tier.discount_value // 100
    return min(tier.discount_value, eligible)


async def apply(
    order: Order,
    lines: Sequence[OrderLine],
    benefits: Benefits,
    at: datetime,
    *,
    categories: dict[int, int | None] | None = None,
) -> list[OrderDiscount]:
    """Take the benefits off ``order`` (saved with its new totals); returns the discount lines.
    ``categories``: each line's product's category, when the caller has read the products."""
    if len(benefits.redemption_ids) > MAX_REDEMPTIONS:
        raise InvalidInput(f"At most {MAX_REDEMPTIONS} rewards per order.", field="redemption_ids")
    store_id: int = order.store_id
    customer_id: int | None = order.customer_id
    if categories is None:
        categories = dict(
            await Product.filter(id__in=[line.product_id for line in lines]).values_list(
                "id", "category_id"
            )
        )
    applied: list[OrderDiscount] = []
    running = order.subtotal

    def take(
        source: DiscountSource, description: str, amount: int, reference_id: int | None
    ) -> None:
        nonlocal running
        amount = max(0, min(amount, running))
        running -= amount
        applied.append(
            OrderDiscount(
                order_id=order.id,
                source=source,
                description=description[:200],
                amount=amount,
                reference_id=reference_id,
                position=len(applied) + 1,
            )
        )

    tier = None if customer_id is None else await standing.current_tier(customer_id)
    if tier is not None and tier.discount_kind != DiscountKind.NONE:
        amount = _tier_amount(tier, lines, categories, running)
        if amount > 0:
            take(DiscountSource.TIER, f"{tier.name} member discount", amount, tier.id)
    if benefits.coupon_id is not None:
        amount, label = await coupons.use(
            coupon_id=benefits.coupon_id,
            store_id=store_id,
            customer_id=customer_id,
            order_id=order.id,
            lines=lines,
            categories=categories,
            running=running,
            at=at,
        )
        take(DiscountSource.COUPON, f"Coupon: {label}", amount, benefits.coupon_id)
    if benefits.redemption_ids:
        for reward in await apply_to_order(
            store_id=store_id,
            customer_id=customer_id,
            order_id=order.id,
            redemption_ids=list(benefits.redemption_ids),
        ):
            take(DiscountSource.REWARD, reward.description, reward.amount, reward.redemption_id)
    first_visit = await offers.offer_for(
        store_id=store_id, customer_id=customer_id, order_id=order.id, running=running
    )
    if first_visit is not None:
        offer, amount, label = first_visit
        take(DiscountSource.FIRST_VISIT, label, amount, offer.id)
    if applied:
        await OrderDiscount.bulk_create(applied)
        order.discount_total = order.subtotal - running
        order.total = running
        await Order.filter(id=order.id).update(
            discount_total=order.discount_total, total=order.total
        )
    return applied


async def order_completed(
    *,
    order: Order,
    at: datetime,
    terms: Terms,
    tier_row: CustomerTier | None,
) -> None:
    """After points are earned: stamps, first-visit coupons,
    then the tier (an upgrade applies now). ``order``: as the completing transaction left it;
    ``terms``: the store's, read before the transaction, with ``tier_row``, the customer's tier
    row as this transaction read it."""
    order_id: int = order.id
    customer_id: int | None = order.customer_id
    if customer_id is None:
        return
    store_id: int = order.store_id
    await stamps.award_with_card(order=order, card=terms.card, at=at)
    if order.is_first_visit:
        await coupons.issue_first_visit(store_id=store_id, customer_id=customer_id, at=at)
    await standing.reevaluate_with(
        ladder=terms.tiers,
        program=terms.tier_program,
        row=tier_row,
        store_id=store_id,
        customer_id=customer_id,
        at=at,
        reason=TierChangeReason.UPGRADE_ON_ORDER,
        order_id=order_id,
    )


async def order_cancelled(*, order_id: int) -> None:
    await coupons.give_back(order_id)


async def order_refunded(*, order_id: int, full: bool, at: datetime) -> None:
    """Stamps back in proportion, the coupon back on a full refund, and the tier re-evaluated.

    A downgrade still waits for the periodic evaluation, except for an upgrade
    that this very order earned: that one is undone at once (reason REFUND).
    """
    await stamps.reverse_for_order(order_id=order_id, full=full)
    if full:
        await coupons.give_back(order_id)
    rows = await Order.filter(id=order_id).values_list("store_id", "customer_id")
    store_id, customer_id = rows[0]
    if customer_id is not None:
        await standing.reevaluate(
            store_id=store_id,
            customer_id=customer_id,
            at=at,
            reason=TierChangeReason.REFUND,
            order_id=order_id,
        )
