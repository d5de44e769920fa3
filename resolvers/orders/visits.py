"""A completed order is a visit of its customer; a refund gives back what it added.

Runs inside the transaction that moves the order. Every customer counter
changes in one atomic UPDATE; the first visit is the one order whose UPDATE
finds ``first_visit_at`` still empty, so racing completions flag exactly one.
A full refund removes the visit from ``visit_count`` but keeps the first and
last visit times: the customer did come.
"""

from __future__ import annotations

from datetime import datetime

from tortoise.expressions import F

from core.database import connection, db_instant, dialect, marks
from models.customers import Customer
from models.orders import Order


async def _customer_and_total(order_id: int) -> tuple[int | None, int]:
    rows = await Order.filter(id=order_id).values_list("customer_id", "total")
    customer_id, total = rows[0]
    return customer_id, int(total)


async def hold_customer_of(order_id: int) -> None:
    """Hold the row of the order's customer until the transaction ends (PostgreSQL; SQLite's
    write lock already holds everything). Completions of one customer then take turns, so a
    clock read after this orders their visits as their turns do: the first visit is the
    earliest, and the last visit never goes back."""
    if dialect() != "postgres":
        return
    await connection().execute_query(
        'SELECT c."id" FROM "customer" c JOIN "order" o ON o."customer_id" = c."id" '
        f'WHERE o."id" = {marks(1)[0]} FOR UPDATE OF c',
        [order_id],
    )


async def record_visit(order: Order | int, at: datetime) -> bool:
    """Count the visit; True when it is the customer's first. Given the order as the completing
    transaction left it, reads nothing and marks it ``is_first_visit`` as it marks the row."""
    if isinstance(order, Order):
        order_id, customer_id, total = order.id, order.customer_id, int(order.total)
    else:
        order_id = order
        customer_id, total = await _customer_and_total(order_id)
    if customer_id is None:
        return False
    first_at, total_at, last_at, id_at = marks(4)
    rows = await connection().execute_query_dict(
        f'UPDATE "customer" SET "first_visit_at" = COALESCE("first_visit_at", {first_at}), '
        f'"visit_count" = "visit_count" + 1, "total_paid" = "total_paid" + {total_at}, '
        f'"last_visit_at" = {last_at} WHERE "id" = {id_at} RETURNING "first_visit_at"',
        [db_instant(at), total, db_instant(at), customer_id],
    )
    # The clock is read in the customer's turn, so no earlier visit can carry this very instant.
    first = bool(rows) and rows[0]["first_visit_at"] == db_instant(at)
    if first:
        await Order.filter(id=order_id).update(is_first_visit=True)
        if isinstance(order, Order):
            order.is_first_visit = True
    return bool(first)


async def reverse_visit(order_id: int, amount: int, *, removes_visit: bool) -> None:
    customer_id, _ = await _customer_and_total(order_id)
    if customer_id is None:
        return
    await Customer.filter(id=customer_id).update(total_paid=F("total_paid") - amount)
    if removes_visit:
        await Customer.filter(id=customer_id, visit_count__gt=0).update(
            visit_count=F("visit_count") - 1
        )
