"""Earn after payment (K2): a completed order without a customer is given one, within a window.

The phone number typed after paying: the order becomes the customer's visit and earns
points, stamps and tier progress as if the customer had been named at checkout, at the
terms of the moment it was completed. Once per order: the conditional UPDATE that sets the
customer finds it still without one, so racing requests attach one customer only.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.context import Context
from core.errors import AttachWindowClosed, NotFound, OrderHasCustomer, OrderNotCompleted
from models.customers import Customer
from models.orders import Order, OrderStatus
from resolvers import audit, idempotency
from resolvers.analytics import rollups as analytics
from resolvers.orders import loyalty, visits
from resolvers.orders.terms import terms_of

OPERATION = "orders.attach_customer"


async def _refusal(order_id: int, closes: datetime) -> Exception:
    order = await Order.get(id=order_id)
    if order.customer_id is not None:
        return OrderHasCustomer(
            "The order already has a customer.", field="order_id", customer_id=order.customer_id
        )
    if order.status != OrderStatus.COMPLETED or order.refunded_amount:
        return OrderNotCompleted(
            "Only a completed order, not refunded, can be given a customer.",
            field="order_id",
            status=order.status,
        )
    return AttachWindowClosed(
        "The time to give this order its customer has passed.",
        field="order_id",
        closed_at=closes,
    )


async def attach_customer(
    ctx: Context, *, order_id: int, customer_id: int, idempotency_key: str
) -> Order:
    order = await Order.get_or_none(id=order_id)
    if order is None:
        raise NotFound("No such order.", field="order_id")
    store_id: int = order.store_id
    window = timedelta(minutes=ctx.settings.order_attach_window_minutes)

    async def execute() -> idempotency.Result:
        if not await Customer.exists(id=customer_id, store_id=store_id):
            raise NotFound("No such customer.", field="customer_id")
        now = datetime.now(UTC)
        moved = await Order.filter(
            id=order_id,
            status=OrderStatus.COMPLETED,
            customer_id__isnull=True,
            refunded_amount=0,
            completed_at__gte=now - window,
        ).update(customer_id=customer_id, updated_at=now)
        if not moved:
            completed = (await Order.get(id=order_id)).completed_at
            raise await _refusal(order_id, (completed or now) + window)
        attached = await Order.get(id=order_id)
        completed_at = attached.completed_at or now
        await visits.record_visit(attached, completed_at)
        terms = await terms_of(ctx, store_id, completed_at)
        await loyalty.order_completed(ctx, order=attached, at=completed_at, terms=terms)
        await analytics.customer_attached(order_id)
        await audit.record(
            ctx,
            store_id=store_id,
            action=OPERATION,
            target_type="order",
            target_id=order_id,
            before={"customer": None},
            after={"customer": customer_id},
        )
        return {"order_id": order_id}

    await idempotency.run_once(
        store_id=store_id,
        operation=OPERATION,
        key=idempotency_key,
        request={"order": order_id, "customer": customer_id},
        execute=execute,
    )
    return await Order.get(id=order_id)
