"""What an order's life means for its customer's loyalty: points, stamps, tiers, rewards.

The order flow calls these inside the transaction that moves the order, so
whatever they write commits or rolls back with the status change.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.context import Context
from models.orders import Order
from resolvers import points, rewards
from resolvers.orders import checkout
from resolvers.tiers import promotions


async def order_completed(ctx: Context, *, order: Order, at: datetime) -> None:
    """After the visit is recorded: earn points at the tier held before this order's upgrade,
    stamp, then re-evaluate the tier. ``order``: as the completing transaction left it, passed
    along instead of being read again by every step."""
    if order.customer_id is None:
        return
    rate_bp, multiplier_bp = await promotions.earn_terms(
        store_id=order.store_id, customer_id=order.customer_id, at=at
    )
    await points.earn_for_order(
        ctx, order_id=order.id, rate_bp=rate_bp, multiplier_bp=multiplier_bp, order=order
    )
    await checkout.order_completed(order=order, at=at)


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
