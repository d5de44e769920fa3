"""What a customer did in a tier window: amount paid, visits and activity points.

Read-only, one aggregate per measure for a whole batch of customers; the tier
standing and the analytics insights both measure with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count, Sum

from models.orders import Order, OrderStatus
from models.points import PointEntry, PointKind

ACTIVITY_KINDS = (PointKind.EARN, PointKind.REFUND_REVERSAL)


@dataclass(frozen=True)
class Metrics:
    amount: int = 0
    visits: int = 0
    points: int = 0


async def metrics(
    store_id: int,
    customer_ids: Iterable[int],
    since: datetime,
    *,
    orders: bool = True,
    points: bool = True,
) -> dict[int, Metrics]:
    """Each customer's measures since ``since``; ``orders`` (amount and visits) and ``points``
    say which to read (a measure not read is 0)."""
    ids = list(customer_ids)
    if not ids:
        return {}
    amounts: dict[int, int] = {}
    visits: dict[int, int] = {}
    rows = (
        []
        if not orders
        else await Order.filter(
            store_id=store_id,
            customer_id__in=ids,
            completed_at__gte=since,
            status__in=(OrderStatus.COMPLETED, OrderStatus.REFUNDED),
        )
        .group_by("customer_id", "status")
        .annotate(n=Count("id"), paid=Sum("total"), refunded=Sum("refunded_amount"))
        .values("customer_id", "status", "n", "paid", "refunded")
    )
    for row in rows:
        customer = int(row["customer_id"])
        amounts[customer] = (
            amounts.get(customer, 0) + int(row["paid"] or 0) - int(row["refunded"] or 0)
        )
        if row["status"] in (OrderStatus.COMPLETED, OrderStatus.COMPLETED.value):
            visits[customer] = visits.get(customer, 0) + int(row["n"])
    points_rows = (
        []
        if not points
        else await PointEntry.filter(
            customer_id__in=ids, created_at__gte=since, kind__in=ACTIVITY_KINDS
        )
        .group_by("customer_id")
        .annotate(total=Sum("amount"))
        .values("customer_id", "total")
    )
    earned = {int(row["customer_id"]): int(row["total"] or 0) for row in points_rows}
    return {pk: Metrics(amounts.get(pk, 0), visits.get(pk, 0), earned.get(pk, 0)) for pk in ids}
