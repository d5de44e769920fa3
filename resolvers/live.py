"""What subscriptions send (J2): a store's order events, stock alerts and today's KPIs.

Streams read the process's event bus (``core/broadcast.py``). What an event needs
from the database (its order, today's KPIs) is read once per event in a process and
shared by every subscriber of the store, not once per subscriber.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Count, Sum

from core.broadcast import LiveEvent
from core.context import Context
from models.orders import Order, OrderStatus
from models.stores import Store
from models.webhooks import EventType
from resolvers.events import ORDER_TYPES

ORDER_EVENT_TYPES = frozenset(t.value for t in ORDER_TYPES)
STOCK_EVENT_TYPES = frozenset({EventType.STOCK_ALERT.value})
KPI_INTERVAL_SECONDS = 1.0


async def events_of(
    ctx: Context, store_id: int, types: frozenset[str]
) -> AsyncGenerator[LiveEvent, None]:
    """The store's events of ``types`` from now on, one at a time, until the caller stops."""
    with ctx.services.events.subscribe(store_id, types) as subscription:
        while True:
            event = await subscription.next()
            if event is not None:
                yield event


async def order_of(event: LiveEvent) -> Order | None:
    """The event's order as it is now, read once per event in this process."""
    order_id = event.refs.get("order")
    if not isinstance(order_id, int):
        return None
    found: Order | None = await event.once("order", lambda: Order.get_or_none(id=order_id))
    return found


@dataclass(frozen=True)
class Kpis:
    day: date
    orders: int
    sales: int
    at: datetime
    day_ends_at: datetime

    @property
    def average_ticket(self) -> int:
        return self.sales // self.orders if self.orders else 0

    def same_figures(self, other: Kpis | None) -> bool:
        return other is not None and (self.day, self.orders, self.sales) == (
            other.day,
            other.orders,
            other.sales,
        )


def day_bounds(time_zone: str, now: datetime) -> tuple[date, datetime, datetime]:
    """Today in the store's time zone, and its start and end as UTC instants."""
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, datetime.min.time(), zone)
    end = datetime.combine(today + timedelta(days=1), datetime.min.time(), zone)
    return today, start.astimezone(UTC), end.astimezone(UTC)


async def today_kpis(store_id: int, now: datetime | None = None) -> Kpis:
    """Today's orders (not cancelled) and sales (their totals less refunds), store time."""
    now = now or datetime.now(UTC)
    zones = await Store.filter(id=store_id).values_list("time_zone", flat=True)
    day, start, end = day_bounds(str(zones[0]) if zones else "Asia/Seoul", now)
    found = (
        await Order.filter(store_id=store_id, created_at__gte=start, created_at__lt=end)
        .exclude(status=OrderStatus.CANCELLED)
        .annotate(orders=Count("id"), total=Sum("total"), refunded=Sum("refunded_amount"))
        .values("orders", "total", "refunded")
    )
    row = found[0] if found else {}
    orders = int(row.get("orders") or 0)
    sales = int(row.get("total") or 0) - int(row.get("refunded") or 0)
    return Kpis(day=day, orders=orders, sales=sales, at=now, day_ends_at=end)


async def kpi_stream(
    ctx: Context, store_id: int, *, interval: float | None = None
) -> AsyncGenerator[Kpis, None]:
    """Today's KPIs now, then again whenever they change: at most once per ``interval``.

    Events that arrive within the interval are taken together; the new day starts the
    figures again at the store's midnight even without an order.
    """
    interval = KPI_INTERVAL_SECONDS if interval is None else interval
    with ctx.services.events.subscribe(store_id, ORDER_EVENT_TYPES) as subscription:
        last = await today_kpis(store_id)
        sent = time.monotonic()
        yield last
        while True:
            until_midnight = (last.day_ends_at - datetime.now(UTC)).total_seconds()
            event = await subscription.next(timeout=max(until_midnight, 0.0) + 0.5)
            wait = interval - (time.monotonic() - sent)
            if wait > 0:
                await asyncio.sleep(wait)
            latest = ([event] if event else []) + subscription.drain()
            if latest:
                current = await latest[-1].once(("kpis", store_id), lambda: today_kpis(store_id))
            else:
                current = await today_kpis(store_id)
            if not current.same_figures(last):
                last = current
                sent = time.monotonic()
                yield current
