"""Subscriptions (J2) over ``graphql-transport-ws`` on ``/graphql``: a store's live events.

Each is declared with ``subscription(action, store=...)``: the caller's right is
checked when it starts and again before every event (``schema/operations.Live``).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core.broadcast import LiveEvent
from models.webhooks import EventType
from resolvers import live
from schema.enums import OrderStatus
from schema.ids import decode_id, payload_of
from schema.operations import subscription
from schema.orders import Order
from schema.scopes import store_id_at


@strawberry.enum(description="What happened to the order.")
class OrderEventType(Enum):
    CREATED = EventType.ORDER_CREATED.value
    STATUS_CHANGED = EventType.ORDER_STATUS_CHANGED.value
    CANCELLED = EventType.ORDER_CANCELLED.value
    REFUNDED = EventType.ORDER_REFUNDED.value


@strawberry.type(description="An order of the store was created or changed.")
class OrderEvent:
    event_id: str = strawberry.field(description="The same id as the webhook deliveries of it.")
    type: OrderEventType
    occurred_at: datetime
    status: OrderStatus = strawberry.field(description="The order's status after this event.")
    previous_status: OrderStatus | None
    refunded: int | None = strawberry.field(description="The amount this refund gave back.")
    order: Order = strawberry.field(description="The order as it is now.")


@strawberry.type(description="A stock item fell below its threshold.")
class StockAlert:
    event_id: str
    raised_at: datetime
    stock_item_id: relay.GlobalID | None
    message: str | None
    detail: JSON = strawberry.field(
        description="Everything the alert said: camelCase keys, and every id a global id."
    )


@strawberry.type(description="Today's figures in the store's time zone.")
class LiveKpis:
    day: date
    orders: int = strawberry.field(description="Orders today, cancelled ones left out.")
    sales: int = strawberry.field(description="Their totals less refunds, in won.")
    average_ticket: int
    updated_at: datetime


def _occurred_at(event: LiveEvent) -> datetime:
    return datetime.fromisoformat(str(event.refs["at"]))


def _status(value: Any) -> OrderStatus | None:
    return None if value is None else OrderStatus(value)


@strawberry.type
class Subscription:
    @subscription("subscriptions.orders", store=store_id_at("store_id"))
    async def order_events(
        self, info: Info, store_id: relay.GlobalID
    ) -> AsyncGenerator[OrderEvent | None, None]:
        store = decode_id(store_id, "Store")
        async for event in live.events_of(info.context, store, live.ORDER_EVENT_TYPES):
            order = await live.order_of(event)
            if order is None or order.store_id != store:
                continue
            yield OrderEvent(
                event_id=str(event.refs.get("e", event.id)),
                type=OrderEventType(event.type),
                occurred_at=_occurred_at(event),
                status=OrderStatus(event.refs.get("status", order.status.value)),
                previous_status=_status(event.refs.get("previous")),
                refunded=event.refs.get("amount"),
                order=Order.from_model(order),
            )

    @subscription("subscriptions.stock", store=store_id_at("store_id"))
    async def stock_alerts(
        self, info: Info, store_id: relay.GlobalID
    ) -> AsyncGenerator[StockAlert | None, None]:
        store = decode_id(store_id, "Store")
        async for event in live.events_of(info.context, store, live.STOCK_EVENT_TYPES):
            detail = dict(await event.details())
            item = detail.get("stock_item_id")
            message = detail.get("message")
            yield StockAlert(
                event_id=str(event.refs.get("e", event.id)),
                raised_at=_occurred_at(event),
                stock_item_id=relay.GlobalID("StockItem", str(item))
                if isinstance(item, int)
                else None,
                message=message if isinstance(message, str) else None,
                detail=JSON(payload_of(detail)),
            )

    @subscription("subscriptions.kpis", store=store_id_at("store_id"))
    async def live_kpis(
        self, info: Info, store_id: relay.GlobalID
    ) -> AsyncGenerator[LiveKpis | None, None]:
        async for kpis in live.kpi_stream(info.context, decode_id(store_id, "Store")):
            yield LiveKpis(
                day=kpis.day,
                orders=kpis.orders,
                sales=kpis.sales,
                average_ticket=kpis.average_ticket,
                updated_at=kpis.at,
            )
