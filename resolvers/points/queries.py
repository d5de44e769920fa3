"""Reading the ledger: a customer's history and a store's points dashboard (D8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tortoise.expressions import RawSQL
from tortoise.functions import Sum

from core.errors import InvalidInput
from models.points import PointBalance, PointEntry, PointKind, PointSource

MAX_TOP = 100


async def history_page(*, customer_id: int, size: int, before_id: int | None) -> list[PointEntry]:
    """Newest first; one more row than asked, to tell whether more exist."""
    query = PointEntry.filter(customer_id=customer_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


async def balances(customer_ids: list[int]) -> list[int]:
    rows = await PointBalance.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "balance"
    )
    found = {int(customer): int(balance) for customer, balance in rows}
    return [found.get(customer, 0) for customer in customer_ids]


async def owed(customer_ids: list[int]) -> list[int]:
    """What each customer owes: reversals their balance could not cover, not yet settled."""
    rows = await PointBalance.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "owed"
    )
    found = {int(customer): int(points) for customer, points in rows}
    return [found.get(customer, 0) for customer in customer_ids]


@dataclass
class Dashboard:
    issued: int = 0
    used: int = 0
    expired: int = 0
    reversed: int = 0
    outstanding: int = 0
    by_source: dict[PointSource, int] = field(default_factory=dict)
    top_earners: list[tuple[int, int]] = field(default_factory=list)


def _account(
    board: Dashboard, kind: PointKind, source: PointSource, positive: bool, total: int
) -> None:
    if kind in (PointKind.EARN, PointKind.ADJUST) and positive:
        board.issued += total
        board.by_source[source] = board.by_source.get(source, 0) + total
    elif kind in (PointKind.REDEEM, PointKind.REDEEM_RETURN):
        board.used -= total
    elif kind == PointKind.EXPIRE:
        board.expired -= total
    elif kind in (PointKind.REFUND_REVERSAL, PointKind.ADJUST):
        board.reversed -= total


async def dashboard(*, store_id: int, start: datetime, end: datetime, top: int) -> Dashboard:
    """Four aggregate queries, whatever the number of entries or customers."""
    if end <= start:
        raise InvalidInput("The period must end after it starts.", field="period.to")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is between 1 and {MAX_TOP}.", field="top")
    period = PointEntry.filter(store_id=store_id, created_at__gte=start, created_at__lt=end)
    board = Dashboard()
    groups = await (
        period.annotate(
            positive=RawSQL('CASE WHEN "amount" > 0 THEN 1 ELSE 0 END'), total=Sum("amount")
        )
        .group_by("kind", "source", "positive")
        .values_list("kind", "source", "positive", "total")
    )
    for kind, source, positive, total in groups:
        _account(board, PointKind(kind), PointSource(source), bool(positive), int(total or 0))
    board.outstanding = await _outstanding_at(store_id, end)
    earners = await (
        period.filter(kind=PointKind.EARN)
        .annotate(total=Sum("amount"))
        .group_by("customer_id")
        .order_by("-total", "customer_id")
        .limit(top)
        .values_list("customer_id", "total")
    )
    board.top_earners = [(int(customer), int(total)) for customer, total in earners]
    return board


async def _outstanding_at(store_id: int, end: datetime) -> int:
    """Points held at ``end``: today's balances less what the ledger moved since.

    Balances always equal the sum of the ledger, so this is exact, and it reads the
    balances plus the entries after ``end`` instead of every entry ever written.
    """
    balances: list[Any] = await (
        PointBalance.filter(store_id=store_id)
        .annotate(total=Sum("balance"))
        .values_list("total", flat=True)
    )
    since: list[Any] = await (
        PointEntry.filter(store_id=store_id, created_at__gte=end)
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )
    return int(balances[0] or 0 if balances else 0) - int(since[0] or 0 if since else 0)
