"""The status flow of an order, one step at a time; completion is a visit, a refund gives it back.

Every change is a conditional UPDATE on the expected status: of racing
requests exactly one moves the order, the others get ``IllegalOrderTransition``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import pairwise

from tortoise.expressions import F

from core.context import Context
from core.database import update_returning, write_transaction
from core.errors import (
    IllegalOrderTransition,
    InvalidInput,
    NotFound,
    RefundExceedsRemaining,
)
from models.orders import Order, OrderStatus
from models.webhooks import EventType
from resolvers import audit, events, idempotency, inventory
from resolvers.analytics import rollups as analytics
from resolvers.messages import automations
from resolvers.orders import loyalty, visits
from resolvers.orders.terms import terms_of

FLOW = (
    OrderStatus.RECEIVED,
    OrderStatus.CONFIRMED,
    OrderStatus.PREPARING,
    OrderStatus.READY,
    OrderStatus.COMPLETED,
)
PREVIOUS = {after: before for before, after in pairwise(FLOW)}
OPEN = FLOW[:-1]


async def _current(order_id: int) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("No such order.", field="order_id")
    return order


async def _illegal(order_id: int, to: OrderStatus) -> IllegalOrderTransition:
    current = (await _current(order_id)).status
    return IllegalOrderTransition(
        f"An order cannot go from {current.value} to {to.value}.",
        field="to",
        from_=current,
        to=to,
    )


def _now() -> datetime:
    return datetime.now(UTC)


async def advance_order(ctx: Context, *, order_id: int, to: OrderStatus) -> Order:
    principal = await ctx.principal()
    now = _now()
    terms = None
    if to == OrderStatus.COMPLETED:
        # The store's loyalty terms before the write lock, which then covers the writes only.
        store_id = await ctx.loaders.store_of(Order, order_id)
        if store_id is not None:
            terms = await terms_of(ctx, store_id, now)
    async with write_transaction():
        if to == OrderStatus.COMPLETED:
            await visits.hold_customer_of(order_id)
            now = _now()  # read in the customer's turn: visits are timed in the order they count
        expected = PREVIOUS.get(to)
        values: dict[str, object] = {"status": to, "updated_at": now}
        if to == OrderStatus.COMPLETED:
            values.update(completed_at=now, completed_by_id=principal.account_id)
        # The order as this transaction left it; every step gets it instead of reading again.
        order = None
        if expected is not None:
            order = await update_returning(Order, {"id": order_id, "status": expected}, values)
        if order is None:
            raise await _illegal(order_id, to)
        if to == OrderStatus.CONFIRMED:
            await inventory.take_for_order(ctx, order_id=order_id)
        if to == OrderStatus.COMPLETED:
            terms = terms or await terms_of(ctx, order.store_id, now)  # the order was just found
            await visits.record_visit(order, now)
            await loyalty.order_completed(ctx, order=order, at=now, terms=terms)
            await analytics.order_completed(order_id, order=order, zone=terms.zone)
        if to == OrderStatus.READY:
            await automations.order_ready(
                store_id=order.store_id,
                order_id=order_id,
                customer_id=order.customer_id,
                at=now,
            )
        await events.order_changed(EventType.ORDER_STATUS_CHANGED, order=order, previous=expected)
    return order


async def cancel_order(
    ctx: Context,
    *,
    order_id: int,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Order:
    """Cancel an open order; under an idempotency key a retry answers the first cancellation."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    store_id = (await _current(order_id)).store_id

    async def execute() -> idempotency.Result:
        await _cancel(ctx, order_id=order_id, reason=reason)
        return {"order_id": order_id}

    await idempotency.run(
        store_id=store_id,
        operation="orders.cancel",
        key=idempotency_key,
        request={"order": order_id, "reason": reason},
        execute=execute,
    )
    return await _current(order_id)


async def _cancel(ctx: Context, *, order_id: int, reason: str | None) -> None:
    now = _now()
    before = await _current(order_id)
    moved = await Order.filter(id=order_id, status__in=OPEN).update(
        status=OrderStatus.CANCELLED, cancelled_at=now, updated_at=now
    )
    if not moved:
        raise await _illegal(order_id, OrderStatus.CANCELLED)
    await loyalty.order_cancelled(ctx, order_id=order_id)
    await inventory.give_back_for_order(ctx, order_id=order_id)
    await analytics.order_cancelled(order_id)
    await events.order_changed(EventType.ORDER_CANCELLED, order=order_id, previous=before.status)
    await audit.record(
        ctx,
        store_id=before.store_id,
        action="orders.cancel",
        target_type="order",
        target_id=order_id,
        before={"status": before.status.value},
        after={"status": OrderStatus.CANCELLED.value, "reason": reason},
    )


async def refund_order(
    ctx: Context,
    *,
    order_id: int,
    amount: int | None = None,
    reason: str | None = None,
    idempotency_key: str | None = None,
) -> Order:
    """A full or partial refund of a completed order; a refund of the whole total ends in
    REFUNDED. Under an idempotency key a retry answers the first refund and refunds nothing."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    store_id = (await _current(order_id)).store_id

    async def execute() -> idempotency.Result:
        await _refund(ctx, order_id=order_id, amount=amount, reason=reason)
        return {"order_id": order_id}

    await idempotency.run(
        store_id=store_id,
        operation="orders.refund",
        key=idempotency_key,
        request={"order": order_id, "amount": amount, "reason": reason},
        execute=execute,
    )
    return await _current(order_id)


async def _refund(ctx: Context, *, order_id: int, amount: int | None, reason: str | None) -> None:
    now = _now()
    order = await _current(order_id)
    if order.status != OrderStatus.COMPLETED:
        raise await _illegal(order_id, OrderStatus.REFUNDED)
    remaining = order.total - order.refunded_amount
    amount = remaining if amount is None else amount
    if amount <= 0:
        raise InvalidInput("A refund is a positive amount.", field="amount")
    if amount > remaining:
        raise RefundExceedsRemaining(
            f"At most {remaining} can still be refunded.", field="amount", remaining=remaining
        )
    moved = await Order.filter(
        id=order_id, status=OrderStatus.COMPLETED, refunded_amount__lte=order.total - amount
    ).update(refunded_amount=F("refunded_amount") + amount, refunded_at=now, updated_at=now)
    if not moved:
        raise await _refund_lost(order_id, amount)
    full = await Order.filter(
        id=order_id, status=OrderStatus.COMPLETED, refunded_amount=order.total
    ).update(status=OrderStatus.REFUNDED)
    await visits.reverse_visit(order_id, amount, removes_visit=bool(full))
    await loyalty.order_refunded(ctx, order_id=order_id, amount=amount, full=bool(full))
    await analytics.order_refunded(order_id, amount)
    refunded = await _current(order_id)
    await events.order_changed(EventType.ORDER_REFUNDED, order=refunded, amount=amount)
    await audit.record(
        ctx,
        store_id=order.store_id,
        action="orders.refund",
        target_type="order",
        target_id=order_id,
        before={"refunded_amount": refunded.refunded_amount - amount},
        after={
            "status": refunded.status.value,
            "refunded_amount": refunded.refunded_amount,
            "amount": amount,
            "reason": reason,
        },
    )


async def _refund_lost(order_id: int, amount: int) -> Exception:
    """A racing refund or cancellation moved the order between our read and our update."""
    order = await _current(order_id)
    if order.status != OrderStatus.COMPLETED:
        return await _illegal(order_id, OrderStatus.REFUNDED)
    remaining = order.total - order.refunded_amount
    return RefundExceedsRemaining(
        f"At most {remaining} can still be refunded.", field="amount", remaining=remaining
    )
