"""Reading orders: a store's orders newest first, keyset by (created_at, id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from models.orders import Order, OrderChannel, OrderStatus


@dataclass(frozen=True)
class OrderFilter:
    status: OrderStatus | None = None
    channel: OrderChannel | None = None
    customer_id: int | None = None


def orders_query(*, store_id: int, where: OrderFilter) -> QuerySet[Order]:
    """A store's orders that ``where`` keeps, in no order (pages and counts start here)."""
    query = Order.filter(store_id=store_id)
    if where.status is not None:
        query = query.filter(status=where.status)
    if where.channel is not None:
        query = query.filter(channel=where.channel)
    if where.customer_id is not None:
        query = query.filter(customer_id=where.customer_id)
    return query


async def orders_page(
    *,
    store_id: int,
    size: int,
    after: tuple[datetime, int] | None,
    where: OrderFilter,
) -> list[Order]:
    """One more than asked, to tell whether more exist. After a cursor the scan starts at its
    instant (``created_at <= x``, which both databases seek to in the index (store, created_at,
    id)); the OR of the two cases only drops the few orders of that instant before it. (The OR
    alone bounded no scan: page 500 read the index from its top.)"""
    query = orders_query(store_id=store_id, where=where)
    if after is not None:
        created_at, order_id = after
        query = query.filter(created_at__lte=created_at).filter(
            Q(created_at__lt=created_at) | Q(created_at=created_at, id__lt=order_id)
        )
    return await query.order_by("-created_at", "-id").limit(size + 1)
