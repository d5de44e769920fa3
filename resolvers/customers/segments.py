"""Segments, computed from the visit counters at query time; their thresholds are store settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import Q, RawSQL
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import dialect, write_transaction
from core.errors import InvalidInput
from models.customers import Customer, CustomerSettings
from models.stores import Store
from resolvers import audit
from resolvers.customers.listed import CustomerRow

LIMITS = {
    "new_customer_days": (1, 365),
    "dormant_days": (1, 3650),
    "regular_min_visits": (1, 100_000),
    "regular_min_total_paid": (0, 10**12),
    "high_frequency_visits_per_month": (1, 1000),
    "reward_sensitive_min_uses": (1, 100_000),
}


class Segment(str, Enum):
    NEW = "NEW"
    REGULAR = "REGULAR"
    DORMANT = "DORMANT"
    REWARD_SENSITIVE = "REWARD_SENSITIVE"
    HIGH_FREQUENCY = "HIGH_FREQUENCY"
    LOW_FREQUENCY = "LOW_FREQUENCY"


@dataclass(frozen=True)
class Thresholds:
    new_customer_days: int = 30
    dormant_days: int = 30
    regular_min_visits: int = 10
    regular_min_total_paid: int = 300_000
    high_frequency_visits_per_month: int = 4
    reward_sensitive_min_uses: int = 3

    @classmethod
    def of(cls, row: CustomerSettings | None) -> "Thresholds":
        if row is None:
            return cls()
        return cls(**{name: getattr(row, name) for name in LIMITS})


@dataclass(frozen=True)
class Clock:
    """ "Today" in the store's time zone, and the instants the segments compare with."""

    now: datetime
    new_since: datetime
    dormant_before: datetime


def clock(thresholds: Thresholds, time_zone: str, now: datetime | None = None) -> Clock:
    now = now or datetime.now(UTC)
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()

    def day_start(days_back: int) -> datetime:
        return datetime.combine(today - timedelta(days=days_back), time(), zone).astimezone(UTC)

    return Clock(
        now=now,
        new_since=day_start(thresholds.new_customer_days - 1),
        dormant_before=day_start(thresholds.dormant_days - 1),
    )


async def thresholds_of(store_id: int) -> Thresholds:
    return Thresholds.of(await CustomerSettings.get_or_none(store_id=store_id))


async def update_settings(ctx: Context, *, store_id: int, changes: dict[str, int]) -> Thresholds:
    for name, value in changes.items():
        low, high = LIMITS[name]
        if value is None or not low <= value <= high:
            raise InvalidInput(
                f"{name.replace('_', ' ')} must be between {low} and {high}.", field=name
            )
    async with write_transaction():
        row, _ = await CustomerSettings.get_or_create(store_id=store_id)
        before = Thresholds.of(row)
        if changes:
            await CustomerSettings.filter(store_id=store_id).update(**changes)
        after = Thresholds.of(await CustomerSettings.get(store_id=store_id))
        await audit.record(
            ctx,
            store_id=store_id,
            action="customers.settings",
            target_type="customer_settings",
            target_id=store_id,
            before=vars(before),
            after=vars(after),
        )
    return after


def _days_since_first_visit(now: datetime) -> str:
    stamp = now.astimezone(UTC).isoformat()
    if dialect() == "postgres":
        return f"EXTRACT(EPOCH FROM (TIMESTAMPTZ '{stamp}' - \"first_visit_at\")) / 86400.0"
    return f"(julianday('{stamp}') - julianday(\"first_visit_at\"))"


def _visits_per_month(now: datetime) -> RawSQL:
    greatest = "GREATEST" if dialect() == "postgres" else "MAX"
    days = _days_since_first_visit(now)
    return RawSQL(f'("visit_count" * 30.0 / {greatest}(COALESCE({days}, 30.0), 30.0))')


def filter_segment(
    query: QuerySet[Customer], segment: Segment, t: Thresholds, c: Clock
) -> QuerySet[Customer]:
    if segment is Segment.NEW:
        return query.filter(
            Q(first_visit_at__gte=c.new_since)
            | Q(first_visit_at__isnull=True, created_at__gte=c.new_since)
        )
    if segment is Segment.DORMANT:
        return query.filter(last_visit_at__lt=c.dormant_before)
    if segment is Segment.REGULAR:
        by_visits = Q(visit_count__gte=t.regular_min_visits)
        if t.regular_min_total_paid > 0:
            return query.filter(by_visits | Q(total_paid__gte=t.regular_min_total_paid))
        return query.filter(by_visits)
    if segment is Segment.REWARD_SENSITIVE:
        return query.filter(reward_uses__gte=t.reward_sensitive_min_uses)
    annotated = query.annotate(visits_per_month=_visits_per_month(c.now))
    if segment is Segment.HIGH_FREQUENCY:
        return annotated.filter(
            visit_count__gte=2, visits_per_month__gte=t.high_frequency_visits_per_month
        )
    return annotated.filter(
        Q(visit_count=1)
        | Q(visit_count__gte=2, visits_per_month__lt=t.high_frequency_visits_per_month)
    )


def segments_of(customer: CustomerRow, t: Thresholds, c: Clock) -> list[Segment]:
    found: list[Segment] = []
    first_seen = customer.first_visit_at or (
        customer.created_at if customer.visit_count == 0 else None
    )
    if first_seen is not None and first_seen >= c.new_since:
        found.append(Segment.NEW)
    if customer.visit_count >= t.regular_min_visits or (
        t.regular_min_total_paid > 0 and customer.total_paid >= t.regular_min_total_paid
    ):
        found.append(Segment.REGULAR)
    if customer.last_visit_at is not None and customer.last_visit_at < c.dormant_before:
        found.append(Segment.DORMANT)
    if customer.reward_uses >= t.reward_sensitive_min_uses:
        found.append(Segment.REWARD_SENSITIVE)
    if customer.visit_count >= 1:
        days = 30.0
        if customer.first_visit_at is not None:
            days = max((c.now - customer.first_visit_at).total_seconds() / 86400, 30.0)
        high = (
            customer.visit_count >= 2
            and customer.visit_count * 30.0 / days >= t.high_frequency_visits_per_month
        )
        found.append(Segment.HIGH_FREQUENCY if high else Segment.LOW_FREQUENCY)
    return found


async def counts(store_id: int, time_zone: str) -> dict[Segment, int]:
    thresholds = await thresholds_of(store_id)
    now = clock(thresholds, time_zone)
    base = Customer.filter(store_id=store_id)
    return {s: await filter_segment(base, s, thresholds, now).count() for s in Segment}


async def store_clock(store_id: int, thresholds: Thresholds) -> Clock:
    """The clock of the store's time zone (used by other domains, e.g. coupons for a segment)."""
    zone: list[Any] = await Store.filter(id=store_id).values_list("time_zone", flat=True)
    return clock(thresholds, zone[0] if zone else "Asia/Seoul")
