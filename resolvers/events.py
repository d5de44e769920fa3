"""What happened in a store, published from the transaction that made it happen.

``publish`` writes the event to the outbox inside the caller's transaction: a
rolled-back change announces nothing. Live subscribers hear of it when the
transaction commits (``core/broadcast.py``); the ``outbox.deliver`` job later hands it
to the store's webhook endpoints (``resolvers/webhooks``). Data holds plain ids and
snake_case names; the schema renders them for the outside world.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from core.broadcast import EVENT_KIND_PREFIX, write_and_announce
from models.orders import Order, OrderStatus
from models.outbox import OutboxMessage
from models.webhooks import EventType

EVENT_CHANNEL = "event"
# Events that subscriptions listen to; the others only reach webhooks.
LIVE_TYPES = frozenset(
    {
        EventType.ORDER_CREATED,
        EventType.ORDER_STATUS_CHANGED,
        EventType.ORDER_CANCELLED,
        EventType.ORDER_REFUNDED,
        EventType.STOCK_ALERT,
    }
)
ORDER_TYPES = frozenset(
    {
        EventType.ORDER_CREATED,
        EventType.ORDER_STATUS_CHANGED,
        EventType.ORDER_CANCELLED,
        EventType.ORDER_REFUNDED,
    }
)


async def publish(
    *,
    store_id: int,
    type: EventType,
    data: dict[str, Any],
    refs: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> OutboxMessage:
    """Record the event in the current transaction; ``refs`` (small ids) travel to subscribers,
    with the event's id (``e``, the same for every webhook delivery of it) and time (``at``)."""
    occurred_at = (at or datetime.now(UTC)).astimezone(UTC)
    event_id = str(uuid.uuid4())
    refs = {"e": event_id, "at": occurred_at.isoformat(), **(refs or {})}
    row: dict[str, Any] = {
        "store_id": store_id,
        "kind": EVENT_KIND_PREFIX + type.value,
        "payload": {
            "channel": EVENT_CHANNEL,
            "event_id": event_id,
            "type": type.value,
            "occurred_at": occurred_at.isoformat(),
            "refs": refs,
            "data": data,
        },
        "available_at": occurred_at,
    }
    if type in LIVE_TYPES:
        return await write_and_announce(**row, type=type.value, refs=refs)
    return await OutboxMessage.create(**row)


def _order_data(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "status": order.status.value,
        "channel": order.channel.value,
        "customer_id": order.customer_id,
        "subtotal": order.subtotal,
        "discount_total": order.discount_total,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        "is_first_visit": order.is_first_visit,
        "created_at": order.created_at.isoformat() if order.created_at else None,
    }


async def order_changed(
    type: EventType,
    *,
    order: Order | int,
    previous: OrderStatus | None = None,
    amount: int | None = None,
) -> OutboxMessage:
    """An order event, from inside the transaction that changed the order."""
    if type not in ORDER_TYPES:
        raise ValueError(f"{type} is not an order event")
    row = order if isinstance(order, Order) else await Order.get(id=order)
    data = _order_data(row)
    refs: dict[str, Any] = {"order": row.id, "status": row.status.value}
    if previous is not None:
        data["previous_status"] = refs["previous"] = previous.value
    if amount is not None:
        data["amount"] = refs["amount"] = amount
    return await publish(
        store_id=row.store_id,
        type=type,
        data=data,
        refs=refs,
    )
