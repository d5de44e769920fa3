"""What an order's life means for its customer's loyalty: points, stamps, tiers, rewards.

The order flow calls these inside the transaction that moves the order, so
whatever they write commits or rolls back with the status change.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.context import Context
from models.orders import Order
from models.tiers import CustomerTier
from resolvers import points, rewards
from resolvers.orders import checkout
from resolvers.orders.terms import Terms
from resolvers.tiers import promotions


async def order_completed(ctx: Context, *, order: Order, at: datetime, terms: Terms) -> None:
    """After the visit is recorded: earn points at the tier held before this order's upgrade,
    stamp, then re-evaluate the tier. ``order``: as the completing transaction left it, passed
    along instead of being read again by every step; ``terms``: the store's, read by the caller
    before its transaction (the customer's tier row is read once, for the earn rate and the
    re-evaluation alike)."""
    customer_id = order.customer_id
    if customer_id is None:
        return
    row = await CustomerTier.get_or_none(customer_id=customer_id) if terms.tiers else None
    tier = terms.tier(row.tier_id) if row is not None else None
    await points.earn_for_order(
        ctx,
        order_id=order.id,
        rate_bp=None if tier is None else tier.earn_rate_bp,
        multiplier_bp=promotions.NO_MULTIPLIER if tier is None else terms.multiplier_for(tier.rank),
        order=order,
        program=terms.program,
    )
    await checkout.order_completed(order=order, at=at, terms=terms, tier_row=row)


async def order_cancelled(ctx: Context, *, order_id: int) -> None:
    """Give back what the order spent (redeemed rewards, coupons)."""
    await rewards.return_for_order(order_id=order_id)
    await checkout.order_cancelled(order_id=order_id)


async def order_refunded(ctx: Context, *, order_id: int, amount: int, full: bool) -> None:
    """Reverse what the order earned, in proportion to the amount refunded; re-evaluate the tier."""
    await points.reverse_for_refund(ctx, order_id=order_id, amount=amount, full=full)
    if full:
        await rewards.return_for_order(order_id=order_id)
    await checkout.order_refunded(order_id=order_id, full=full, at=datetime.now(UTC))
