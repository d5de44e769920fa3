"""Reading the rollups: sums of day rows and slices over a period, and the ledger's open days."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Sum

from core.database import db_date, db_instant
from models.analytics import AnalyticsDay, AnalyticsProgress, AnalyticsSlice, SliceDimension
from models.rewards import RedemptionStatus
from resolvers.analytics.calendar import Period, day_start
from resolvers.analytics.rollups import (
    ledger_figures,
    raw_rows,
    scalars,
)


async def day_totals(store_id: int, period: Period, columns: Sequence[str]) -> Counter[str]:
    rows = await (
        AnalyticsDay.filter(store_id=store_id, day__gte=period.start, day__lte=period.end)
        .annotate(**{f"sum_{c}": Sum(c) for c in columns})
        .values(*(f"sum_{c}" for c in columns))
    )
    found: Counter[str] = Counter()
    for row in rows:
        for column in columns:
            found[column] += int(row[f"sum_{column}"] or 0)
    return found


async def hour_rows(store_id: int, period: Period) -> list[tuple[date, int, int, int]]:
    """(day, hour, orders, sales) of the period: read without the ORM, it is the longest list."""
    rows = await raw_rows(
        'SELECT day, key, orders, sales FROM "analytics_slice" WHERE store_id = $1 '
        "AND dimension = 'HOUR' AND day >= $2 AND day <= $3",
        [store_id, db_date(period.start), db_date(period.end)],
    )
    return [
        (day if isinstance(day, date) else date.fromisoformat(str(day)), int(h), int(o), int(s))
        for day, h, o, s in rows
    ]


async def slice_rows(
    store_id: int, dimension: SliceDimension, period: Period, *columns: str
) -> list[dict[str, int]]:
    """The slice's rows summed per key over the period."""
    rows = await (
        AnalyticsSlice.filter(
            store_id=store_id, dimension=dimension, day__gte=period.start, day__lte=period.end
        )
        .group_by("key")
        .annotate(**{f"sum_{c}": Sum(c) for c in columns})
        .values("key", *(f"sum_{c}" for c in columns))
    )
    return [
        {"key": int(row["key"]), **{c: int(row[f"sum_{c}"] or 0) for c in columns}} for row in rows
    ]


async def ledger_rolled_through(store_id: int) -> date | None:
    found = await scalars(
        AnalyticsProgress.filter(store_id=store_id).values_list("ledger_day", flat=True)
    )
    return found[0] if found else None


async def points_tail(
    store_id: int, period: Period, zone: ZoneInfo, rolled_through: date | None
) -> tuple[int, int]:
    """(issued, used) of the period's days the ledger job has not rolled up yet, from the
    ledger itself (the day rows hold the points of rolled-up days only)."""
    first = period.start if rolled_through is None else rolled_through + timedelta(days=1)
    if first > period.end:
        return 0, 0
    start, end = Period(max(period.start, first), period.end).utc_bounds(zone)
    rows = await raw_rows(
        'SELECT kind, CASE WHEN amount > 0 THEN 1 ELSE 0 END, SUM(amount) FROM "point_entry" '
        "WHERE store_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1, 2",
        [store_id, db_instant(start), db_instant(end)],
    )
    issued, _ = ledger_figures([(str(k), int(t or 0)) for k, positive, t in rows if positive])
    _, used = ledger_figures([(str(k), int(t or 0)) for k, _, t in rows])
    return issued, used


async def rewards_figures(store_id: int, period: Period, zone: ZoneInfo) -> tuple[int, int]:
    """(issued, used): coupons issued, and coupons redeemed plus catalogue rewards applied."""
    start, end = (db_instant(moment) for moment in period.utc_bounds(zone))
    [(issued, coupons_used)] = await raw_rows(
        "SELECT COALESCE(SUM(CASE WHEN issued_at >= $2 AND issued_at < $3 THEN 1 ELSE 0 END), 0), "
        "COALESCE(SUM(CASE WHEN used_at >= $4 AND used_at < $5 THEN 1 ELSE 0 END), 0) "
        'FROM "coupon" WHERE store_id = $1',
        [store_id, start, end, start, end],
    )
    [(rewards_used,)] = await raw_rows(
        'SELECT COUNT(*) FROM "redemption" WHERE store_id = $1 AND status = $2 '
        "AND created_at >= $3 AND created_at < $4",
        [store_id, RedemptionStatus.APPLIED.value, start, end],
    )
    return int(issued), int(coupons_used) + int(rewards_used)


def now_or(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def start_of(period: Period, zone: ZoneInfo) -> datetime:
    return day_start(period.start, zone)
