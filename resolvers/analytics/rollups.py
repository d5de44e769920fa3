"""Keeping the rollups current: the order flow's hooks, the rebuild from raw rows, the ledger job.

The hooks run inside the transaction that moves the order, so a rolled-back change
leaves the rollups untouched. Each applies the difference between what the order (and
its customer's visits) contributed after and before the change: an upsert per row,
in a fixed order of rows, so racing transactions on PostgreSQL queue instead of deadlocking.
The customer's own row is already locked by the visit counters, so the visits read here
cannot change underneath.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.expressions import Q

from core.database import (
    connection,
    db_date,
    db_instant,
    dialect,
    insert_rows,
    lock_rows,
    marks,
    write_transaction,
)
from models.analytics import AnalyticsDay, AnalyticsPair, AnalyticsProgress, AnalyticsSlice
from models.orders import Order, OrderLine, OrderStatus
from models.points import PointEntry, PointKind
from models.stores import Store
from models.tiers import TierChange
from resolvers.analytics.calendar import Unit, day_start, local, zone_of
from resolvers.analytics.contributions import (
    CANCELLED,
    COMPLETED,
    CONVERSION_WINDOW,
    REFUNDED,
    Contribution,
    Line,
    OrderFacts,
    Visit,
    customer_contribution,
    day_and_hour,
    instances_of,
    order_contribution,
)

DAY_COLUMNS = (
    "orders",
    "sales",
    "refunded",
    "visits",
    "first_visits",
    "converted",
    "cancelled",
    "day_visitors",
    "day_revisitors",
    "week_visitors",
    "week_revisitors",
    "month_visitors",
    "month_revisitors",
    "points_issued",
    "points_used",
)
SLICE_COLUMNS = ("orders", "sales", "quantity", "first_visits", "converted")
LEDGER_GRACE = timedelta(minutes=15)
CHUNK = 50_000


async def scalars(query: Any) -> list[Any]:
    """The values of a ``values_list(..., flat=True)`` query (Tortoise types them as tuples)."""
    return list(await query)


async def zone_for(store_id: int) -> ZoneInfo:
    found = await scalars(Store.filter(id=store_id).values_list("time_zone", flat=True))
    return zone_of(found[0] if found else "Asia/Seoul")


# -- the order flow's hooks ----------------------------------------------------------------------


async def order_completed(
    order_id: int, *, order: Order | None = None, zone: ZoneInfo | None = None
) -> None:
    """The order just became COMPLETED (its visit already recorded). ``order``: as the
    completing transaction left it, with ``zone``, its store's time zone, when the caller holds
    both (the order is then not read again)."""
    if order is not None and zone is not None:
        found: tuple[OrderFacts, int, ZoneInfo] | None = (
            await _facts_of(order_id, _order_row(order)),
            order.store_id,
            zone,
        )
    else:
        found = await _facts(order_id)
    if found is None or found[0].completed_at is None:
        return
    facts, store_id, zone = found
    delta = order_contribution(facts, zone)
    if facts.customer_id is not None:
        delta.update(await _customer_delta(facts, zone, now_a_visit=True))
    await apply(store_id, delta)


async def order_refunded(order_id: int, amount: int) -> None:
    """``amount`` was just refunded; the order may have become REFUNDED."""
    found = await _facts(order_id)
    if found is None or found[0].completed_at is None:
        return
    facts, store_id, zone = found
    before = facts.with_state(status=COMPLETED, refunded=facts.refunded - amount)
    delta = order_contribution(facts, zone)
    delta.subtract(order_contribution(before, zone))
    if facts.status == REFUNDED and facts.customer_id is not None:
        delta.update(await _customer_delta(facts, zone, now_a_visit=False))
    await apply(store_id, delta)


async def customer_attached(order_id: int) -> None:
    """A completed order without a customer was just given one (its visit recorded): K2."""
    found = await _facts(order_id)
    if found is None or found[0].completed_at is None or found[0].customer_id is None:
        return
    facts, store_id, zone = found
    before = replace(facts, customer_id=None, is_first_visit=False, tier_id=None)
    delta = order_contribution(facts, zone)
    delta.subtract(order_contribution(before, zone))
    if facts.status == COMPLETED:
        delta.update(await _customer_delta(facts, zone, now_a_visit=True))
    await apply(store_id, delta)


async def order_cancelled(order_id: int) -> None:
    """An open order was just cancelled (it was never a visit)."""
    found = await _facts(order_id)
    if found is None:
        return
    facts, store_id, zone = found
    await apply(store_id, order_contribution(facts, zone))


async def _facts(order_id: int) -> tuple[OrderFacts, int, ZoneInfo] | None:
    """The order as the contributions see it, its store and the store's time zone."""
    rows = await Order.filter(id=order_id).values(
        "store_id",
        "store__time_zone",
        "customer_id",
        "status",
        "total",
        "refunded_amount",
        "is_first_visit",
        "completed_at",
        "cancelled_at",
        "completed_by_id",
    )
    if not rows:
        return None
    row = rows[0]
    facts = await _facts_of(order_id, row)
    return facts, int(row["store_id"]), zone_of(row["store__time_zone"] or "Asia/Seoul")


def _order_row(order: Order) -> dict[str, Any]:
    return {
        "customer_id": order.customer_id,
        "status": order.status,
        "total": order.total,
        "refunded_amount": order.refunded_amount,
        "is_first_visit": order.is_first_visit,
        "completed_at": order.completed_at,
        "cancelled_at": order.cancelled_at,
        "completed_by_id": order.completed_by_id,
    }


async def _facts_of(order_id: int, row: dict[str, Any]) -> OrderFacts:
    lines = await OrderLine.filter(order_id=order_id).values_list(
        "product_id", "quantity", "line_total"
    )
    customer_id, completed_at = row["customer_id"], row["completed_at"]
    tier_id = None
    if customer_id is not None and completed_at is not None:
        tier_id = await _tier_at(int(customer_id), completed_at)
    status = row["status"]
    return OrderFacts(
        order_id=order_id,
        customer_id=customer_id,
        status=status.value if isinstance(status, OrderStatus) else str(status),
        total=int(row["total"]),
        refunded=int(row["refunded_amount"]),
        is_first_visit=bool(row["is_first_visit"]),
        completed_at=completed_at,
        cancelled_at=row["cancelled_at"],
        staff_id=row["completed_by_id"],
        tier_id=tier_id,
        lines=tuple(Line(int(p), int(q), int(t)) for p, q, t in lines),
    )


async def _tier_at(customer_id: int, at: datetime) -> int | None:
    """The tier the customer held at ``at``: the last change made before it."""
    found = await scalars(
        TierChange.filter(customer_id=customer_id, created_at__lte=at)
        .order_by("-id")
        .limit(1)
        .values_list("to_tier_id", flat=True)
    )
    return int(found[0]) if found and found[0] is not None else None


async def _customer_delta(facts: OrderFacts, zone: ZoneInfo, *, now_a_visit: bool) -> Contribution:
    """How the customer's contribution changes as the order becomes (or stops being) a visit."""
    assert facts.customer_id is not None and facts.completed_at is not None
    instances = instances_of(facts.completed_at, zone)
    windows = [_instance_bounds(unit, start, zone) for unit, start in instances]
    first = await scalars(
        Order.filter(customer_id=facts.customer_id, is_first_visit=True)
        .limit(1)
        .values_list("completed_at", flat=True)
    )
    if first and first[0] is not None:
        windows.append((first[0], first[0] + CONVERSION_WINDOW + timedelta(microseconds=1)))
    condition = Q()
    for start, end in windows:
        condition |= Q(completed_at__gte=start, completed_at__lt=end)
    rows = await (
        Order.filter(condition, customer_id=facts.customer_id, status=OrderStatus.COMPLETED)
        .distinct()
        .values_list("id", "completed_at", "completed_by_id", "is_first_visit")
    )
    visits = {int(i): Visit(int(i), at, staff, bool(first_)) for i, at, staff, first_ in rows}
    changed = Visit(facts.order_id, facts.completed_at, facts.staff_id, facts.is_first_visit)
    after = dict(visits)
    before = dict(visits)
    if now_a_visit:
        after[changed.order_id] = changed
        before.pop(changed.order_id, None)
    else:
        after.pop(changed.order_id, None)
        before[changed.order_id] = changed
    delta = customer_contribution(list(after.values()), zone, instances=instances)
    delta.subtract(customer_contribution(list(before.values()), zone, instances=instances))
    return delta


def _instance_bounds(unit: Unit, start: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    if unit == Unit.DAY:
        end = start + timedelta(days=1)
    elif unit == Unit.WEEK:
        end = start + timedelta(days=7)
    else:
        end = (start + timedelta(days=32)).replace(day=1)
    return day_start(start, zone), day_start(end, zone)


# -- writing rows --------------------------------------------------------------------------------


def _upsert_sql(table: str, keys: Sequence[str], columns: Sequence[str], rows: int = 1) -> str:
    """One statement adding ``rows`` rows of values (keys, then columns, row after row)."""
    names = ", ".join(f'"{c}"' for c in (*keys, *columns))
    width = len(keys) + len(columns)
    values = ", ".join(
        "(" + ", ".join(marks(width, offset=row * width)) + ")" for row in range(rows)
    )
    conflict = ", ".join(f'"{k}"' for k in keys)
    sets = ", ".join(f'"{c}" = "{table}"."{c}" + excluded."{c}"' for c in columns)
    return (
        f'INSERT INTO "{table}" ({names}) VALUES {values} '
        f"ON CONFLICT ({conflict}) DO UPDATE SET {sets}"
    )


def split(
    delta: Contribution,
) -> tuple[
    dict[date, Counter[str]],
    dict[tuple[str, date, int], Counter[str]],
    dict[tuple[date, int, int], int],
]:
    days: dict[date, Counter[str]] = defaultdict(Counter)
    slices: dict[tuple[str, date, int], Counter[str]] = defaultdict(Counter)
    pairs: dict[tuple[date, int, int], int] = defaultdict(int)
    # A contribution's keys are plain tuples, told apart by their first item (see ``Key``).
    for key, value in delta.items():
        if not value:
            continue
        if key[0] == "day":
            _, day, column = cast(tuple[str, date, str], key)
            days[day][column] += value
        elif key[0] == "slice":
            _, dimension, day, slice_key, column = cast(tuple[str, object, date, int, str], key)
            dimension_name = str(getattr(dimension, "value", dimension))
            slices[dimension_name, day, slice_key][column] += value
        else:
            _, day, first, second = cast(tuple[str, date, int, int], key)
            pairs[day, first, second] += value
    return days, slices, pairs


UPSERT_ROWS = 200  # rows per statement: far below either database's limit on parameters


async def _upsert_rows(
    table: str, keys: Sequence[str], columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    conn = connection()
    for start in range(0, len(rows), UPSERT_ROWS):
        chunk = rows[start : start + UPSERT_ROWS]
        values = [value for row in chunk for value in row]
        await conn.execute_query(_upsert_sql(table, keys, columns, len(chunk)), values)


async def apply(store_id: int, delta: Contribution) -> None:
    """Add ``delta`` to the store's rows, creating them at zero where missing: one statement per
    table (rows in key order, each key once, so racing writers lock them in the same order)."""
    days, slices, pairs = split(delta)
    await _upsert_rows(
        "analytics_day",
        ("store_id", "day"),
        DAY_COLUMNS,
        [
            (store_id, db_date(day), *(days[day].get(c, 0) for c in DAY_COLUMNS))
            for day in sorted(days)
        ],
    )
    await _upsert_rows(
        "analytics_slice",
        ("store_id", "dimension", "day", "key"),
        SLICE_COLUMNS,
        [
            (
                store_id,
                dimension,
                db_date(day),
                key,
                *(slices[dimension, day, key].get(c, 0) for c in SLICE_COLUMNS),
            )
            for dimension, day, key in sorted(slices)
        ],
    )
    await _upsert_rows(
        "analytics_pair",
        ("store_id", "day", "first_product_id", "second_product_id"),
        ("orders",),
        [
            (store_id, db_date(day), first, second, pairs[day, first, second])
            for day, first, second in sorted(pairs)
        ],
    )


# -- rebuilding from the raw rows ----------------------------------------------------------------


def _instant(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


async def raw_rows(sql: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
    conn = connection()
    if dialect() != "postgres":
        sql = re.sub(r"\$(\d+)", r"?\1", sql)  # SQLite's numbered parameters
    _, rows = await conn.execute_query(sql, list(args))
    return [tuple(row.values()) if isinstance(row, dict) else tuple(row) for row in rows]


async def recompute(store_id: int) -> Contribution:
    """Every order's and every customer's contribution, from the raw rows (ledger figures aside)."""
    zone = await zone_for(store_id)
    total: Contribution = Counter()
    tiers: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
    for customer, tier, at in await raw_rows(
        'SELECT customer_id, to_tier_id, created_at FROM "tier_change" '
        "WHERE store_id = $1 ORDER BY id",
        [store_id],
    ):
        moment = _instant(at)
        if moment is not None:  # created_at is never null; the driver's type says it may be
            tiers[int(customer)].append((moment, tier))
    visits: dict[int, list[Visit]] = defaultdict(list)
    last_id = 0
    while True:
        rows = await raw_rows(
            "SELECT id, customer_id, status, total, refunded_amount, is_first_visit, completed_at, "
            'cancelled_at, completed_by_id FROM "order" WHERE store_id = $1 AND id > $2 '
            f"AND status IN ('{COMPLETED}', '{REFUNDED}', '{CANCELLED}') ORDER BY id LIMIT {CHUNK}",
            [store_id, last_id],
        )
        if not rows:
            break
        lines = await _lines_of(store_id, last_id, int(rows[-1][0]))
        for (
            order_id,
            customer,
            status,
            order_total,
            refunded,
            first,
            done,
            cancelled,
            staff,
        ) in rows:
            completed_at = _instant(done)
            facts = OrderFacts(
                order_id=int(order_id),
                customer_id=customer,
                status=str(status),
                total=int(order_total),
                refunded=int(refunded),
                is_first_visit=bool(first),
                completed_at=completed_at,
                cancelled_at=_instant(cancelled),
                staff_id=staff,
                tier_id=_held(tiers.get(int(customer), []), completed_at)
                if customer is not None and completed_at is not None
                else None,
                lines=tuple(lines.get(int(order_id), ())),
            )
            order_contribution(facts, zone, total)
            if customer is not None and completed_at is not None and facts.status == COMPLETED:
                visits[int(customer)].append(
                    Visit(int(order_id), completed_at, staff, facts.is_first_visit)
                )
        last_id = int(rows[-1][0])
    for customer_visits in visits.values():
        customer_contribution(customer_visits, zone, found=total)
    return total


def _held(changes: list[tuple[datetime, int | None]], at: datetime) -> int | None:
    held = None
    for changed_at, tier in changes:
        if changed_at > at:
            break
        held = tier
    return held


async def _lines_of(store_id: int, after_id: int, last_id: int) -> dict[int, list[Line]]:
    found: dict[int, list[Line]] = defaultdict(list)
    for order_id, product, quantity, line_total in await raw_rows(
        'SELECT l.order_id, l.product_id, l.quantity, l.line_total FROM "order_line" l '
        'JOIN "order" o ON o.id = l.order_id WHERE o.store_id = $1 AND l.order_id > $2 '
        "AND l.order_id <= $3 ORDER BY l.id",
        [store_id, after_id, last_id],
    ):
        found[int(order_id)].append(Line(int(product), int(quantity), int(line_total)))
    return found


async def rebuild_store(store_id: int, now: datetime | None = None) -> None:
    """Replace the store's rollups with what its raw rows say (after a bulk load or a move of
    the store to another time zone)."""
    delta = await recompute(store_id)
    async with write_transaction():
        await AnalyticsDay.filter(store_id=store_id).delete()
        await AnalyticsSlice.filter(store_id=store_id).delete()
        await AnalyticsPair.filter(store_id=store_id).delete()
        await AnalyticsProgress.filter(store_id=store_id).update(ledger_day=None)
        await _insert_all(store_id, delta)
    await roll_ledger_of(store_id, now or datetime.now(UTC))


async def _insert_all(store_id: int, delta: Contribution) -> None:
    days, slices, pairs = split(delta)
    day_rows = [
        (store_id, db_date(day), *(values.get(c, 0) for c in DAY_COLUMNS))
        for day, values in sorted(days.items())
    ]
    slice_rows = [
        (store_id, dimension, db_date(day), key, *(values.get(c, 0) for c in SLICE_COLUMNS))
        for (dimension, day, key), values in sorted(slices.items())
    ]
    pair_rows = [
        (store_id, db_date(day), first, second, orders)
        for (day, first, second), orders in sorted(pairs.items())
    ]
    for table, keys, columns, rows in (
        ("analytics_day", ("store_id", "day"), DAY_COLUMNS, day_rows),
        ("analytics_slice", ("store_id", "dimension", "day", "key"), SLICE_COLUMNS, slice_rows),
        (
            "analytics_pair",
            ("store_id", "day", "first_product_id", "second_product_id"),
            ("orders",),
            pair_rows,
        ),
    ):
        if rows:
            await insert_rows(table, (*keys, *columns), rows)


# -- the points ledger, rolled up per closed day by a job -----------------------------------------

ISSUED_KINDS = (PointKind.EARN.value, PointKind.ADJUST.value)
USED_KINDS = (PointKind.REDEEM.value, PointKind.REDEEM_RETURN.value)


def ledger_figures(entries: Iterable[tuple[str, int]]) -> tuple[int, int]:
    """(issued, used) of ledger entries, as the points dashboard counts them."""
    issued = used = 0
    for kind, amount in entries:
        if kind in ISSUED_KINDS and amount > 0:
            issued += amount
        elif kind in USED_KINDS:
            used -= amount
    return issued, used


def ledger_through(zone: ZoneInfo, now: datetime) -> date:
    """The last local day the job may roll up: over, and past a grace for late commits."""
    return (local(now - LEDGER_GRACE, zone) - timedelta(days=1)).date()


async def roll_ledger(now: datetime) -> int:
    """The job: roll up each store's points ledger for the days that are over; days rolled."""
    rolled = 0
    for store_id in await scalars(PointEntry.all().distinct().values_list("store_id", flat=True)):
        rolled += await roll_ledger_of(int(store_id), now)
    return rolled


async def progress_of(store_id: int) -> None:
    """The store's progress row, created empty if missing; safe when processes race."""
    await AnalyticsProgress.bulk_create(
        [AnalyticsProgress(store_id=store_id)], ignore_conflicts=True
    )


async def roll_ledger_of(store_id: int, now: datetime) -> int:
    zone = await zone_for(store_id)
    through = ledger_through(zone, now)
    await progress_of(store_id)
    async with write_transaction():
        await lock_rows(AnalyticsProgress, store_id=store_id)
        done = (
            await scalars(
                AnalyticsProgress.filter(store_id=store_id).values_list("ledger_day", flat=True)
            )
        )[0]
        if done is not None:
            start: date = done + timedelta(days=1)
        else:
            first = await scalars(
                PointEntry.filter(store_id=store_id)
                .order_by("created_at")
                .limit(1)
                .values_list("created_at", flat=True)
            )
            start = local(first[0], zone).date() if first else through + timedelta(days=1)
        if start > through:
            if done is None:
                await AnalyticsProgress.filter(store_id=store_id).update(ledger_day=through)
            return 0
        lo, hi = day_start(start, zone), day_start(through + timedelta(days=1), zone)
        by_day: dict[date, list[tuple[str, int]]] = defaultdict(list)
        rows = await raw_rows(
            'SELECT created_at, kind, amount FROM "point_entry" '
            "WHERE store_id = $1 AND created_at >= $2 AND created_at < $3",
            [store_id, db_instant(lo), db_instant(hi)],
        )
        for at, kind, amount in rows:
            moment = _instant(at)
            assert moment is not None
            by_day[day_and_hour(moment, zone)[0]].append((str(kind), int(amount)))
        delta: Contribution = Counter()
        for day, entries in by_day.items():
            issued, used = ledger_figures(entries)
            delta["day", day, "points_issued"] += issued
            delta["day", day, "points_used"] += used
        await apply(store_id, delta)
        await AnalyticsProgress.filter(store_id=store_id).update(ledger_day=through)
    return (through - start).days + 1
