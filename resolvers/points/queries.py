"""Reading the ledger: a customer's history and a store's points dashboard (D8)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.functions import Sum

from core.database import connection, db_instant, marks
from core.errors import InvalidInput
from models.points import EARNING_DAYS, PointBalance, PointEntry, PointKind, PointSource

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
    """From the rollups: whole UTC days and hours summed by the trigger, the ledger only at the
    edges; statements do not grow with the entries (top earners: a few rounds at most)."""
    if end <= start:
        raise InvalidInput("The period must end after it starts.", field="period.to")
    if not 1 <= top <= MAX_TOP:
        raise InvalidInput(f"top is between 1 and {MAX_TOP}.", field="top")
    board = Dashboard()
    for kind, source, positive, total in await _sums(store_id, start, end, grouped=True):
        _account(board, PointKind(kind), PointSource(source), bool(positive), int(total or 0))
    held = await _sums(store_id, EPOCH, end, grouped=False)
    board.outstanding = int(held[0][0] or 0) if held else 0
    board.top_earners = await _top_earners(store_id, start, end, top)
    return board


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
EARNING_SPAN = timedelta(days=EARNING_DAYS)
LAST_INSTANT = timedelta(microseconds=1)
# Top earners from PointEarning: lists of 16 x top rows per span, then 64 x top; when that does
# not settle them, or the period touches more spans, the period's entries are grouped instead.
LIST_SIZES = (16, 64)
EXACT_BATCH = 4  # customers summed from the ledger at a time, per place asked for
MOST_SPANS = 4


def _floor(at: datetime, span: timedelta) -> int:
    return (at - EPOCH) // span


def _ceil(at: datetime, span: timedelta) -> int:
    return -((EPOCH - at) // span)


@dataclass(frozen=True)
class _Pieces:
    """[start, end) as whole UTC days and hours of the rollup, and the ledger's rest at the
    edges (less than an hour each)."""

    days: list[tuple[int, int]]
    hours: list[tuple[int, int]]
    ledger: list[tuple[datetime, datetime]]


def _pieces(start: datetime, end: datetime) -> _Pieces:
    first_hour, last_hour = _ceil(start, HOUR), _floor(end, HOUR)
    if first_hour >= last_hour:
        return _Pieces([], [], [(start, end)])
    ledger = [(start, EPOCH + first_hour * HOUR), (EPOCH + last_hour * HOUR, end)]
    first_day, last_day = _ceil(start, DAY), _floor(end, DAY)
    if first_day >= last_day:
        days, hours = [], [(first_hour, last_hour)]
    else:
        days = [(first_day, last_day)]
        hours = [(first_hour, first_day * 24), (last_day * 24, last_hour)]
    return _Pieces(
        days,
        [(a, b) for a, b in hours if a < b],
        [(a, b) for a, b in ledger if a < b],
    )


async def _rows(sql: str, args: list[Any]) -> list[tuple[Any, ...]]:
    _, rows = await connection().execute_query(sql, args)
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


async def _sums(
    store_id: int, start: datetime, end: datetime, *, grouped: bool
) -> list[tuple[Any, ...]]:
    """The entries of [start, end): summed by (kind, source, amount > 0), or in all."""
    pieces = _pieces(start, end)
    parts: list[str] = []
    args: list[Any] = []
    for hours, spans in ((24, pieces.days), (1, pieces.hours)):
        for first, last in spans:
            at = marks(4, len(args))
            parts.append(
                'SELECT "kind", "source", "positive", "amount" FROM "point_rollup" '
                f'WHERE "store_id" = {at[0]} AND "hours" = {at[1]} '
                f'AND "bucket" >= {at[2]} AND "bucket" < {at[3]}'
            )
            args += [store_id, hours, first, last]
    for since, until in pieces.ledger:
        at = marks(3, len(args))
        parts.append(
            'SELECT "kind", "source", "amount" > 0 AS "positive", "amount" FROM "point_entry" '
            f'WHERE "store_id" = {at[0]} AND "created_at" >= {at[1]} AND "created_at" < {at[2]}'
        )
        args += [store_id, db_instant(since), db_instant(until)]
    union = " UNION ALL ".join(parts)
    if grouped:
        sql = (
            'SELECT "kind", "source", "positive", SUM("amount") '
            f'FROM ({union}) AS "period" GROUP BY "kind", "source", "positive"'
        )
    else:
        sql = f'SELECT SUM("amount") FROM ({union}) AS "period"'
    return await _rows(sql, args)


async def _top_earners(
    store_id: int, start: datetime, end: datetime, top: int
) -> list[tuple[int, int]]:
    """The ``top`` customers by EARN points in [start, end), most first, then by id; exact.

    A threshold search over PointEarning: a customer's points in the period are at most the sum
    of their rows of the spans it touches. Each round reads the ``size`` best rows of every
    span; anyone in none of them has at most the sum of the spans' last values read. The
    customers read are bounded the same way (their own rows, or a span's last value where they
    are not in its list) and summed exactly from the ledger, best bound first, a few at a time:
    once the ``top``-th best exact total beats every bound left, nobody else can enter.
    """
    first = _floor(start, EARNING_SPAN)
    last = _floor(end - LAST_INSTANT, EARNING_SPAN)
    exact: dict[int, int] = {}
    for size in (times * top for times in LIST_SIZES):
        if last - first >= MOST_SPANS:
            break
        parts: list[str] = []
        args: list[Any] = []
        for bucket in range(first, last + 1):
            at = marks(3, len(args))
            parts.append(
                'SELECT * FROM (SELECT "bucket", "customer_id", "earned" FROM "point_earning" '
                f'WHERE "store_id" = {at[0]} AND "bucket" = {at[1]} '
                f'ORDER BY "earned" DESC LIMIT {at[2]}) AS "b{bucket - first}"'
            )
            args += [store_id, bucket, size]
        lists: dict[int, dict[int, int]] = {bucket: {} for bucket in range(first, last + 1)}
        for bucket, customer, earned in await _rows(" UNION ALL ".join(parts), args):
            lists[int(bucket)][int(customer)] = int(earned)
        floors = {  # what a customer missing from a span's list earned there at most
            bucket: min(found.values()) if len(found) == size else 0
            for bucket, found in lists.items()
        }
        unseen = sum(floors.values())
        bounds = {
            customer: sum(found.get(customer, floors[bucket]) for bucket, found in lists.items())
            for customer in set().union(*lists.values())
        }
        pending = sorted(
            (customer for customer in bounds if customer not in exact),
            key=lambda customer: (-bounds[customer], customer),
        )
        while True:
            ranked = sorted(
                ((customer, total) for customer, total in exact.items() if total > 0),
                key=lambda item: (-item[1], item[0]),
            )
            left = max((bounds[customer] for customer in pending), default=0)
            if len(ranked) >= top and ranked[top - 1][1] > max(left, unseen):
                return ranked[:top]
            if not pending:
                break
            batch, pending = pending[: EXACT_BATCH * top], pending[EXACT_BATCH * top :]
            exact.update(await _earned(sorted(batch), start, end))
        if unseen == 0:  # every earner of the period was in the lists
            return ranked[:top]
    return await _earners_in_ledger(store_id, start, end, top)


async def _earned(customers: list[int], start: datetime, end: datetime) -> dict[int, int]:
    """EARN points of each of ``customers`` in [start, end), from the ledger."""
    at = marks(len(customers) + 2)
    rows = await _rows(
        'SELECT "customer_id", SUM("amount") FROM "point_entry" '
        f'WHERE "customer_id" IN ({", ".join(at[:-2])}) AND "kind" = \'{PointKind.EARN.value}\' '
        f'AND "created_at" >= {at[-2]} AND "created_at" < {at[-1]} GROUP BY "customer_id"',
        [*customers, db_instant(start), db_instant(end)],
    )
    found = dict.fromkeys(customers, 0)
    found.update({int(customer): int(total) for customer, total in rows})
    return found


async def _earners_in_ledger(
    store_id: int, start: datetime, end: datetime, top: int
) -> list[tuple[int, int]]:
    earners = await (
        PointEntry.filter(
            store_id=store_id, kind=PointKind.EARN, created_at__gte=start, created_at__lt=end
        )
        .annotate(total=Sum("amount"))
        .group_by("customer_id")
        .order_by("-total", "customer_id")
        .limit(top)
        .values_list("customer_id", "total")
    )
    return [(int(customer), int(total)) for customer, total in earners]
