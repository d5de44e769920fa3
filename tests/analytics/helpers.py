"""Stores with known histories for the analytics tests: orders written at chosen times, and
orders run through the real flow (create, advance, refund, cancel) now."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime
from typing import Any

from core.context import Context
from core.database import connection
from models.accounts import Account
from models.analytics import AnalyticsDay, AnalyticsPair, AnalyticsSlice
from models.catalogue import Product
from models.orders import Order, OrderChannel, OrderLine, OrderStatus
from policies.enforcement import Principal
from resolvers.analytics import rollups
from resolvers.orders import LineRequest, OrderRequest, advance_order, create_order
from tests.orders.factories import customer

_keys = itertools.count(1)
FLOW = (OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY, OrderStatus.COMPLETED)


def context(app: Any, account_id: int) -> Context:
    return Context.for_principal(app.state.services, Principal(account_id=account_id))


async def owner_id(number: int = 1) -> int:
    return (await Account.get(email=f"owner{number}@dangol.test")).id


async def products(store_id: int, *prices: int) -> list[int]:
    found = []
    for k, price in enumerate(prices):
        made = await Product.create(store_id=store_id, name=f"상품{k + 1}", price=price)
        found.append(made.id)
    return found


async def past_order(
    store_id: int,
    customer_id: int | None,
    at: datetime,
    lines: list[tuple[int, int, int]],
    *,
    status: OrderStatus = OrderStatus.COMPLETED,
    refunded: int = 0,
    first: bool = False,
    staff_id: int | None = None,
) -> int:
    """An order completed (or cancelled) at ``at``, written directly; lines are
    (product, quantity, price)."""
    total = sum(q * p for _, q, p in lines)
    done = status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED)
    order = await Order.create(
        store_id=store_id,
        customer_id=customer_id,
        channel=OrderChannel.IN_STORE,
        status=status,
        subtotal=total,
        total=total,
        refunded_amount=total if status == OrderStatus.REFUNDED else refunded,
        is_first_visit=first,
        completed_by_id=staff_id if done else None,
        completed_at=at if done else None,
        cancelled_at=at if status == OrderStatus.CANCELLED else None,
    )
    await Order.filter(id=order.id).update(created_at=at, updated_at=at)
    for product_id, quantity, price in lines:
        await OrderLine.create(
            order_id=order.id,
            product_id=product_id,
            product_name="상품",
            unit_price=price,
            quantity=quantity,
            line_total=price * quantity,
        )
    return order.id


async def visits_at(
    store_id: int, customer_id: int, times: list[datetime], product_id: int, price: int = 5000
) -> list[int]:
    """A customer's completed visits at ``times``, the first flagged, as the flow would."""
    return [
        await past_order(store_id, customer_id, at, [(product_id, 1, price)], first=(k == 0))
        for k, at in enumerate(sorted(times))
    ]


async def live_order(
    ctx: Context,
    store_id: int,
    customer_id: int | None,
    lines: list[tuple[int, int]],
    *,
    complete: bool = True,
) -> int:
    """An order through the real flow: created, then advanced to COMPLETED."""
    order = await create_order(
        ctx,
        OrderRequest(
            store_id=store_id,
            channel=OrderChannel.IN_STORE,
            lines=tuple(LineRequest(product_id=p, quantity=q) for p, q in lines),
            idempotency_key=f"analytics-{next(_keys)}",
            customer_id=customer_id,
        ),
    )
    if complete:
        for to in FLOW:
            await advance_order(ctx, order_id=order.id, to=to)
    return order.id


async def new_customer(store_id: int) -> int:
    return await customer(store_id)


async def stored(store_id: int) -> Counter[tuple[object, ...]]:
    """The store's rollups as a contribution (zeros left out), to compare with ``recompute``."""
    found: Counter[tuple[object, ...]] = Counter()
    for day in await AnalyticsDay.filter(store_id=store_id):
        for column in rollups.DAY_COLUMNS:
            if column not in ("points_issued", "points_used"):
                found["day", day.day, column] += getattr(day, column)
    for row in await AnalyticsSlice.filter(store_id=store_id):
        for column in rollups.SLICE_COLUMNS:
            found["slice", row.dimension.value, row.day, row.key, column] += getattr(row, column)
    for pair in await AnalyticsPair.filter(store_id=store_id):
        found["pair", pair.day, pair.first_product_id, pair.second_product_id] += pair.orders
    return Counter({k: v for k, v in found.items() if v})


def normalised(contribution: Counter[tuple[object, ...]]) -> Counter[tuple[object, ...]]:
    """Dimension enums as their values, zeros left out."""
    found: Counter[tuple[object, ...]] = Counter()
    for key, value in contribution.items():
        if value:
            found[tuple(getattr(part, "value", part) for part in key)] += value
    return Counter({k: v for k, v in found.items() if v})


async def rebuild(store_id: int, now: datetime | None = None) -> None:
    await rollups.rebuild_store(store_id, now)


def dialect() -> str:
    return str(connection().schema_generator.DIALECT)
