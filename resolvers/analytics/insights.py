"""Insights (I5): findings from the store's own data, each with its evidence, a suggested
targeted message and its audience; and one alert to the owners when a KPI drops sharply.

Findings are computed by the ``analytics.insights`` job (and on demand when a store has
none fresh) and kept per store with a stable key, so that ``audience_of(store, key)`` hands
the messages engine the same customers the owner was shown.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from core.context import Context
from core.database import lock_rows, write_transaction
from models.analytics import (
    AnalyticsAlertSent,
    AnalyticsInsight,
    AnalyticsProgress,
    AnalyticsSlice,
    SliceDimension,
)
from models.customers import Customer
from models.notifications import NotificationKind
from models.orders import Order, OrderStatus
from models.stores import Plan, Store
from models.tiers import CustomerTier, Tier
from policies.catalogue import OWNER
from resolvers import alerts
from resolvers.analytics.calendar import Period, local, today, zone_of
from resolvers.analytics.reading import day_totals
from resolvers.analytics.rollups import progress_of, scalars
from resolvers.customers.segments import Segment, clock, filter_segment, thresholds_of
from resolvers.tiers.ladder import program_of
from resolvers.tiers.measures import metrics

WEAK_DAYPART = "WEAK_DAYPART"
DORMANT_REGULARS = "DORMANT_REGULARS"
TIER_NEAR = "TIER_NEAR"
WINDOW_DAYS = 56  # eight weeks of hours
WEAK_BELOW = 0.30  # a day-part this far below the store's hourly average is weak
MIN_WINDOW_ORDERS = 50
NEAR_SHARE = 0.8  # "close to a tier": at least 80% of every criterion, not all of them met
TIER_CANDIDATES = 5_000
FRESH_FOR = timedelta(hours=6)
KPI_DROP = 0.30  # first-time customers (or visits) down 30% week on week
KPI_MIN_BASE = 10  # ... from a week with at least this many
DAYPARTS = (  # name, first hour, hour after the last
    ("MORNING", 6, 11),
    ("LUNCH", 11, 14),
    ("AFTERNOON", 14, 17),
    ("EVENING", 17, 21),
    ("LATE", 21, 24),
)


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str
    score: float
    evidence: dict[str, Any]
    audience: list[int]


# -- the findings --------------------------------------------------------------------------------


def _day_type(day: date) -> str:
    return "WEEKEND" if day.weekday() >= 5 else "WEEKDAY"


async def weak_dayparts(store_id: int, window: Period) -> list[Finding]:
    """Day-parts whose orders per open hour are ``WEAK_BELOW`` under the store's own average."""
    hourly = await _hourly(store_id, window)
    if sum(hourly.values()) < MIN_WINDOW_ORDERS:
        return []
    open_hours = {hour for (_, hour), orders in hourly.items() if orders > 0}
    days = Counter(_day_type(day) for day in window.each_day())
    total_hours = sum(days.values()) * len(open_hours)
    average = sum(hourly.values()) / total_hours
    found = []
    for day_type in ("WEEKDAY", "WEEKEND"):
        for part, first, after in DAYPARTS:
            hours = [h for h in range(first, after) if h in open_hours]
            if not hours or not days[day_type]:
                continue
            orders = sum(hourly[day_type, h] for h in hours)
            rate = orders / (days[day_type] * len(hours))
            below = 1 - rate / average
            if below < WEAK_BELOW:
                continue
            key = f"{WEAK_DAYPART}:{day_type}:{part}"
            found.append(
                Finding(
                    key=key,
                    kind=WEAK_DAYPART,
                    score=below,
                    evidence={
                        "dayType": day_type,
                        "dayPart": part,
                        "hours": f"{first:02d}:00-{after:02d}:00",
                        "ordersPerHour": round(rate, 2),
                        "storeOrdersPerHour": round(average, 2),
                        "belowAveragePercent": round(100 * below),
                        "from": window.start.isoformat(),
                        "to": window.end.isoformat(),
                    },
                    audience=await _not_seen_in(store_id, window, day_type, hours),
                )
            )
    return found


async def _hourly(store_id: int, window: Period) -> Counter[tuple[str, int]]:
    rows = await AnalyticsSlice.filter(
        store_id=store_id,
        dimension=SliceDimension.HOUR,
        day__gte=window.start,
        day__lte=window.end,
    ).values_list("day", "key", "orders")
    found: Counter[tuple[str, int]] = Counter()
    for day, hour, orders in rows:
        found[_day_type(day), int(hour)] += int(orders)
    return found


async def _not_seen_in(store_id: int, window: Period, day_type: str, hours: list[int]) -> list[int]:
    """Customers with two visits or more in the window, none of them in the weak day-part."""
    store = await Store.get(id=store_id)
    zone = zone_of(store.time_zone)
    start, end = window.utc_bounds(zone)
    rows = await Order.filter(
        store_id=store_id,
        status=OrderStatus.COMPLETED,
        created_at__gte=start - timedelta(days=1),
        created_at__lt=end,
        customer_id__isnull=False,
    ).values_list("customer_id", "completed_at")
    visits: Counter[int] = Counter()
    seen_then: set[int] = set()
    for customer, completed_at in rows:
        if completed_at is None or not start <= completed_at < end:
            continue
        visits[int(customer)] += 1
        at = local(completed_at, zone)
        if _day_type(at.date()) == day_type and at.hour in hours:
            seen_then.add(int(customer))
    return sorted(c for c, n in visits.items() if n >= 2 and c not in seen_then)


async def dormant_regulars(store_id: int, now: datetime) -> list[Finding]:
    store = await Store.get(id=store_id)
    thresholds = await thresholds_of(store_id)
    moment = clock(thresholds, store.time_zone, now)
    regulars = filter_segment(
        Customer.filter(store_id=store_id), Segment.REGULAR, thresholds, moment
    )
    dormant = filter_segment(regulars, Segment.DORMANT, thresholds, moment)
    audience = sorted(int(pk) for pk in await scalars(dormant.values_list("id", flat=True)))
    if not audience:
        return []
    regular_count = await regulars.count()
    return [
        Finding(
            key=DORMANT_REGULARS,
            kind=DORMANT_REGULARS,
            score=len(audience) / regular_count,
            evidence={
                "dormantRegulars": len(audience),
                "regulars": regular_count,
                "dormantDays": thresholds.dormant_days,
                "regularMinVisits": thresholds.regular_min_visits,
                "sharePercent": round(100 * len(audience) / regular_count),
            },
            audience=audience,
        )
    ]


async def tiers_within_reach(store_id: int, now: datetime) -> list[Finding]:
    """Customers at ``NEAR_SHARE`` of every criterion of the next tier up, not there yet."""
    ladder = list(await Tier.filter(store_id=store_id, is_deleted=False).order_by("rank"))
    if not ladder:
        return []
    program = await program_of(store_id)
    since = now - timedelta(days=program.window_days)
    held = {
        int(c): int(t or 0)
        for c, t in await CustomerTier.filter(store_id=store_id).values_list(
            "customer_id", "tier_id"
        )
    }
    rank_of = {t.id: t.rank for t in ladder}
    found = []
    for tier in ladder:
        candidates = await scalars(
            Customer.filter(
                store_id=store_id,
                total_paid__gte=int(tier.min_amount * NEAR_SHARE),
                visit_count__gte=int(tier.min_visits * NEAR_SHARE),
            )
            .order_by("-total_paid")
            .limit(TIER_CANDIDATES)
            .values_list("id", flat=True)
        )
        below = [int(c) for c in candidates if rank_of.get(held.get(int(c), 0), 0) < tier.rank]
        if not below:
            continue
        measured = await metrics(store_id, below, since)
        near = sorted(
            customer
            for customer, m in measured.items()
            if m.amount >= tier.min_amount * NEAR_SHARE
            and m.visits >= tier.min_visits * NEAR_SHARE
            and m.points >= tier.min_points * NEAR_SHARE
            and not (
                m.amount >= tier.min_amount
                and m.visits >= tier.min_visits
                and m.points >= tier.min_points
            )
        )
        if near:
            found.append(
                Finding(
                    key=f"{TIER_NEAR}:{tier.id}",
                    kind=TIER_NEAR,
                    score=min(1.0, len(near) / max(len(held), 1)),
                    evidence={
                        "tierId": tier.id,
                        "tier": tier.name,
                        "customers": len(near),
                        "minAmount": tier.min_amount,
                        "minVisits": tier.min_visits,
                        "minPoints": tier.min_points,
                        "nearPercent": round(100 * NEAR_SHARE),
                        "windowDays": program.window_days,
                    },
                    audience=near,
                )
            )
    return found


async def findings_of(store_id: int, now: datetime) -> list[Finding]:
    store = await Store.get(id=store_id)
    yesterday = today(zone_of(store.time_zone), now) - timedelta(days=1)
    window = Period(yesterday - timedelta(days=WINDOW_DAYS - 1), yesterday)
    found = [
        *await weak_dayparts(store_id, window),
        *await dormant_regulars(store_id, now),
        *await tiers_within_reach(store_id, now),
    ]
    return sorted(found, key=lambda f: (-f.score, f.key))


# -- keeping them --------------------------------------------------------------------------------


async def refresh(store_id: int, now: datetime | None = None) -> list[AnalyticsInsight]:
    """Compute the store's findings and keep them in place of the last ones."""
    now = now or datetime.now(UTC)
    found = await findings_of(store_id, now)
    await progress_of(store_id)
    async with write_transaction():
        await lock_rows(AnalyticsProgress, store_id=store_id)
        await AnalyticsInsight.filter(store_id=store_id).delete()
        for finding in found:
            await AnalyticsInsight.create(
                store_id=store_id,
                key=finding.key,
                kind=finding.kind,
                score=finding.score,
                evidence=finding.evidence,
                audience=finding.audience,
                computed_at=now,
            )
        await AnalyticsProgress.filter(store_id=store_id).update(insights_at=now)
    return await AnalyticsInsight.filter(store_id=store_id).order_by("-score", "key")


async def insights_of(store_id: int, now: datetime | None = None) -> list[AnalyticsInsight]:
    """The kept findings; computed now when none were computed in the last ``FRESH_FOR``."""
    now = now or datetime.now(UTC)
    computed = await scalars(
        AnalyticsProgress.filter(store_id=store_id).values_list("insights_at", flat=True)
    )
    if computed and computed[0] is not None and computed[0] >= now - FRESH_FOR:
        return await AnalyticsInsight.filter(store_id=store_id).order_by("-score", "key")
    return await refresh(store_id, now)


async def audience_of(store_id: int, insight_key: str) -> list[int]:
    """The customer ids of an insight's audience, as the owner was shown it (empty if gone)."""
    await insights_of(store_id)
    found = await scalars(
        AnalyticsInsight.filter(store_id=store_id, key=insight_key).values_list(
            "audience", flat=True
        )
    )
    return [int(pk) for pk in found[0]] if found else []


# -- the job: findings of Premium stores, and alerts on a sharp drop ----------------------------


async def run(ctx: Context, now: datetime) -> int:
    """Refresh every Premium store's findings and check its week-on-week KPIs.

    Returns the alerts raised."""
    raised = 0
    for store_id in await scalars(Store.filter(plan=Plan.PREMIUM).values_list("id", flat=True)):
        await refresh(int(store_id), now)
        raised += await check_kpi_drops(ctx, int(store_id), now)
    return raised


async def check_kpi_drops(
    ctx: Context, store_id: int, now: datetime, *, threshold: float = KPI_DROP
) -> int:
    """The last whole week (Monday to Sunday) against the one before: an alert per KPI and week."""
    store = await Store.get(id=store_id)
    this_week = today(zone_of(store.time_zone), now)
    last_monday = this_week - timedelta(days=this_week.weekday() + 7)
    week = Period(last_monday, last_monday + timedelta(days=6))
    before = Period(last_monday - timedelta(days=7), last_monday - timedelta(days=1))
    current = await day_totals(store_id, week, ("first_visits", "visits"))
    previous = await day_totals(store_id, before, ("first_visits", "visits"))
    raised = 0
    for column, kpi in (("first_visits", "newCustomers"), ("visits", "visits")):
        was, now_value = previous[column], current[column]
        if was < KPI_MIN_BASE or now_value > was * (1 - threshold):
            continue
        async with write_transaction():
            if await AnalyticsAlertSent.exists(store_id=store_id, kpi=kpi, week_start=week.start):
                continue
            await AnalyticsAlertSent.create(store_id=store_id, kpi=kpi, week_start=week.start)
            await alerts.raise_alert(
                ctx,
                store_id=store_id,
                kind=NotificationKind.KPI_ALERT,
                payload={
                    "kpi": kpi,
                    "week": week.start.isoformat(),
                    "previous": was,
                    "current": now_value,
                    "change_percent": round(100 * (now_value - was) / was),
                    "threshold_percent": round(100 * threshold),
                },
                roles=(OWNER,),
            )
            raised += 1
    return raised
