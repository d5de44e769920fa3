"""Reading the rollups: sums of day rows and slices over a period, and the ledger's open days."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.functions import Sum

from models.analytics import AnalyticsDay, AnalyticsProgress, AnalyticsSlice, SliceDimension
from models.coupons import Coupon
from models.points import PointEntry
from models.rewards import Redemption, RedemptionStatus
from resolvers.analytics.calendar import Period, day_start
from resolvers.analytics.rollups import db_date, ledger_figures, raw_rows, scalars


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


async def points_figures(store_id: int, period: Period, zone: ZoneInfo) -> tuple[int, int]:
    """(issued, used) in the period: rolled-up days, then the ledger itself for the days after."""
    progress = await scalars(
        AnalyticsProgress.filter(store_id=store_id).values_list("ledger_day", flat=True)
    )
    rolled_through = progress[0] if progress and progress[0] else period.start - timedelta(days=1)
    issued = used = 0
    if rolled_through >= period.start:
        rolled = Period(period.start, min(period.end, rolled_through))
        totals = await day_totals(store_id, rolled, ("points_issued", "points_used"))
        issued, used = totals["points_issued"], totals["points_used"]
    if rolled_through < period.end:
        tail = Period(max(period.start, rolled_through + timedelta(days=1)), period.end)
        start, end = tail.utc_bounds(zone)
        rows = await (
            PointEntry.filter(store_id=store_id, created_at__gte=start, created_at__lt=end)
            .group_by("kind")
            .annotate(total=Sum("amount"))
            .values_list("kind", "total")
        )
        positive = await (
            PointEntry.filter(
                store_id=store_id, created_at__gte=start, created_at__lt=end, amount__gt=0
            )
            .group_by("kind")
            .annotate(total=Sum("amount"))
            .values_list("kind", "total")
        )
        spent = [(str(getattr(k, "value", k)), int(t or 0)) for k, t in rows]
        earned = [(str(getattr(k, "value", k)), int(t or 0)) for k, t in positive]
        tail_issued, _ = ledger_figures(earned)
        _, tail_used = ledger_figures(spent)
        issued, used = issued + tail_issued, used + tail_used
    return issued, used


async def rewards_figures(store_id: int, period: Period, zone: ZoneInfo) -> tuple[int, int]:
    """(issued, used): coupons issued, and coupons redeemed plus catalogue rewards applied."""
    start, end = period.utc_bounds(zone)
    issued = await Coupon.filter(store_id=store_id, issued_at__gte=start, issued_at__lt=end).count()
    coupons_used = await Coupon.filter(
        store_id=store_id, used_at__gte=start, used_at__lt=end
    ).count()
    rewards_used = await Redemption.filter(
        store_id=store_id,
        status=RedemptionStatus.APPLIED,
        created_at__gte=start,
        created_at__lt=end,
    ).count()
    return issued, coupons_used + rewards_used


def now_or(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def start_of(period: Period, zone: ZoneInfo) -> datetime:
    return day_start(period.start, zone)
