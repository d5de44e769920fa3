"""The store's own figures: today (I1), patterns (I2), KPIs (I3), first visits (I6), staff (I7),
tiers (K4). Every one reads rollups only; none scans the orders."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from models.accounts import Account
from models.analytics import AnalyticsPair, AnalyticsSlice, SliceDimension
from models.catalogue import Product
from models.tiers import CustomerTier, Tier
from resolvers.analytics.calendar import Period, Unit, calendar_period, today
from resolvers.analytics.contributions import AMOUNT_BANDS
from resolvers.analytics.reading import (
    day_totals,
    hour_rows,
    ledger_rolled_through,
    now_or,
    points_tail,
    rewards_figures,
    slice_rows,
)
from resolvers.analytics.rollups import scalars, zone_for

TOP_ITEMS = 5
MIN_PAIR_ORDERS = 2


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


# -- I1 today ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ItemFigure:
    product_id: int
    name: str
    orders: int
    quantity: int
    sales: int


@dataclass(frozen=True)
class Today:
    day: date
    as_of: datetime
    sales: int
    orders: int
    average_ticket: int | None
    visits: int
    new_customers: int
    cancelled: int
    refunded: int
    top_items: list[ItemFigure]


async def _names(product_ids: list[int]) -> dict[int, str]:
    rows = await Product.filter(id__in=product_ids).values_list("id", "name")
    return {int(pk): str(name) for pk, name in rows}


async def today_of(store_id: int, now: datetime | None = None) -> Today:
    now = now_or(now)
    zone = await zone_for(store_id)
    day = today(zone, now)
    period = Period(day, day)
    totals = await day_totals(
        store_id, period, ("orders", "sales", "visits", "first_visits", "cancelled", "refunded")
    )
    items = await (
        AnalyticsSlice.filter(store_id=store_id, dimension=SliceDimension.PRODUCT, day=day)
        .filter(orders__gt=0)
        .order_by("-quantity", "-sales", "key")
        .limit(TOP_ITEMS)
        .values_list("key", "orders", "quantity", "sales")
    )
    names = await _names([int(k) for k, *_ in items])
    return Today(
        day=day,
        as_of=now,
        sales=totals["sales"],
        orders=totals["orders"],
        average_ticket=round(totals["sales"] / totals["orders"]) if totals["orders"] else None,
        visits=totals["visits"],
        new_customers=totals["first_visits"],
        cancelled=totals["cancelled"],
        refunded=totals["refunded"],
        top_items=[
            ItemFigure(int(k), names.get(int(k), ""), int(o), int(q), int(s))
            for k, o, q, s in items
        ],
    )


# -- I2 patterns ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotFigure:
    weekday: int | None  # 0 = Monday; None for the hour over every day
    hour: int
    orders: int
    sales: int
    average_orders: float  # per day of that kind in the period


@dataclass(frozen=True)
class Patterns:
    period: Period
    by_hour: list[SlotFigure]
    by_weekday_hour: list[SlotFigure]


async def patterns_of(store_id: int, period: Period) -> Patterns:
    rows = await hour_rows(store_id, period)
    weekdays = Counter(day.weekday() for day in period.each_day())
    hours: Counter[tuple[int, str]] = Counter()
    slots: Counter[tuple[int, int, str]] = Counter()
    for day, hour, orders, sales in rows:
        hours[int(hour), "orders"] += int(orders)
        hours[int(hour), "sales"] += int(sales)
        slots[day.weekday(), int(hour), "orders"] += int(orders)
        slots[day.weekday(), int(hour), "sales"] += int(sales)
    by_hour = [
        SlotFigure(None, h, hours[h, "orders"], hours[h, "sales"], hours[h, "orders"] / period.days)
        for h in range(24)
    ]
    by_slot = [
        SlotFigure(
            w,
            h,
            slots[w, h, "orders"],
            slots[w, h, "sales"],
            slots[w, h, "orders"] / weekdays[w] if weekdays[w] else 0.0,
        )
        for w in range(7)
        for h in range(24)
    ]
    return Patterns(period, by_hour, by_slot)


# -- I3 KPIs -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpis:
    period: Period
    previous_period: Period
    current: dict[str, float | None]
    previous: dict[str, float | None]


KPI_NAMES = (
    "visits",
    "revisit_rate",
    "new_customers",
    "rewards_issued",
    "rewards_used",
    "points_issued",
    "points_used",
    "sales",
    "orders",
)


async def _kpi_values(
    store_id: int, period: Period, zone: ZoneInfo, rolled_through: date | None
) -> dict[str, float | None]:
    unit = period.unit or Unit.DAY
    prefix = unit.value.lower()
    totals = await day_totals(
        store_id,
        period,
        (
            "visits",
            "first_visits",
            "sales",
            "orders",
            f"{prefix}_visitors",
            f"{prefix}_revisitors",
            "points_issued",
            "points_used",
        ),
    )
    tail_issued, tail_used = await points_tail(store_id, period, zone, rolled_through)
    points_issued = totals["points_issued"] + tail_issued
    points_used = totals["points_used"] + tail_used
    rewards_issued, rewards_used = await rewards_figures(store_id, period, zone)
    return {
        "visits": totals["visits"],
        "revisit_rate": ratio(totals[f"{prefix}_revisitors"], totals[f"{prefix}_visitors"]),
        "new_customers": totals["first_visits"],
        "rewards_issued": rewards_issued,
        "rewards_used": rewards_used,
        "points_issued": points_issued,
        "points_used": points_used,
        "sales": totals["sales"],
        "orders": totals["orders"],
    }


async def kpis_of(store_id: int, start: date, end: date) -> Kpis:
    period = calendar_period(start, end)
    previous = period.previous()
    zone = await zone_for(store_id)
    rolled = await ledger_rolled_through(store_id)
    return Kpis(
        period,
        previous,
        await _kpi_values(store_id, period, zone, rolled),
        await _kpi_values(store_id, previous, zone, rolled),
    )


async def revisit_figures(store_id: int, period: Period) -> tuple[int, int]:
    """(customers who visited, customers who visited at least twice) in a calendar period."""
    prefix = (period.unit or Unit.DAY).value.lower()
    totals = await day_totals(store_id, period, (f"{prefix}_visitors", f"{prefix}_revisitors"))
    return totals[f"{prefix}_visitors"], totals[f"{prefix}_revisitors"]


# -- I6 first visits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AmountBand:
    floor: int
    ceiling: int | None
    orders: int


@dataclass(frozen=True)
class ProductShare:
    product_id: int
    name: str
    orders: int
    share: float


@dataclass(frozen=True)
class ProductPair:
    first_id: int
    first_name: str
    second_id: int
    second_name: str
    orders: int
    support: float
    confidence: float
    lift: float


@dataclass(frozen=True)
class FirstVisits:
    period: Period
    first_time_customers: int
    converted: int
    awaiting_return: int
    conversion_rate: float | None
    amount_bands: list[AmountBand]
    top_products: list[ProductShare]
    bought_together: list[ProductPair] = field(default_factory=list)


async def first_visits_of(
    store_id: int, period: Period, *, top: int = 10, now: datetime | None = None
) -> FirstVisits:
    zone = await zone_for(store_id)
    totals = await day_totals(store_id, period, ("first_visits", "converted"))
    window_open = Period(
        max(period.start, today(zone, now_or(now)) - timedelta(days=30)), period.end
    )
    open_totals = (
        await day_totals(store_id, window_open, ("first_visits", "converted"))
        if window_open.start <= window_open.end
        else Counter[str]()
    )
    bands = {
        row["key"]: row["orders"]
        for row in await slice_rows(store_id, SliceDimension.FIRST_AMOUNT, period, "orders")
    }
    products = {
        row["key"]: row["orders"]
        for row in await slice_rows(store_id, SliceDimension.FIRST_PRODUCT, period, "orders")
        if row["orders"] > 0
    }
    pair_rows = await _pairs(store_id, period)
    names = await _names(sorted(products))
    first_time = totals["first_visits"]
    ceilings = [*AMOUNT_BANDS[1:], None]
    ranked = sorted(products.items(), key=lambda item: (-item[1], item[0]))[:top]
    pairs = []
    for (a, b), together in pair_rows.items():
        if (
            together < MIN_PAIR_ORDERS
            or not first_time
            or not products.get(a)
            or not products.get(b)
        ):
            continue
        support = together / first_time
        lift = together * first_time / (products[a] * products[b])
        if lift <= 1:
            continue
        pairs.append(
            ProductPair(
                a,
                names.get(a, ""),
                b,
                names.get(b, ""),
                together,
                support,
                together / products[a],
                lift,
            )
        )
    pairs.sort(key=lambda p: (-p.support, -p.lift, p.first_id, p.second_id))
    return FirstVisits(
        period=period,
        first_time_customers=first_time,
        converted=totals["converted"],
        awaiting_return=open_totals["first_visits"] - open_totals["converted"],
        conversion_rate=ratio(totals["converted"], first_time),
        amount_bands=[
            AmountBand(floor, ceiling, bands.get(floor, 0))
            for floor, ceiling in zip(AMOUNT_BANDS, ceilings, strict=True)
        ],
        top_products=[
            ProductShare(pk, names.get(pk, ""), orders, orders / first_time if first_time else 0.0)
            for pk, orders in ranked
        ],
        bought_together=pairs[:top],
    )


async def _pairs(store_id: int, period: Period) -> Counter[tuple[int, int]]:
    rows = await AnalyticsPair.filter(
        store_id=store_id, day__gte=period.start, day__lte=period.end
    ).values_list("first_product_id", "second_product_id", "orders")
    found: Counter[tuple[int, int]] = Counter()
    for a, b, orders in rows:
        found[int(a), int(b)] += int(orders)
    return found


# -- I7 staff ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffFigure:
    account_id: int | None
    name: str | None
    orders: int
    sales: int
    first_time_customers: int
    converted: int
    conversion_rate: float | None


async def staff_of(store_id: int, period: Period) -> list[StaffFigure]:
    rows = await slice_rows(
        store_id, SliceDimension.STAFF, period, "orders", "sales", "first_visits", "converted"
    )
    ids = [row["key"] for row in rows if row["key"]]
    names = dict(await Account.filter(id__in=ids).values_list("id", "name"))
    figures = [
        StaffFigure(
            row["key"] or None,
            names.get(row["key"]) if row["key"] else None,
            row["orders"],
            row["sales"],
            row["first_visits"],
            row["converted"],
            ratio(row["converted"], row["first_visits"]),
        )
        for row in rows
        if any(row[c] for c in ("orders", "first_visits", "converted"))
    ]
    return sorted(figures, key=lambda f: (-f.orders, f.account_id or 0))


# -- K4 tiers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TierFigure:
    tier_id: int | None
    name: str | None
    rank: int | None
    members: int | None
    visits: int
    sales: int
    average_ticket: int | None
    share_of_sales: float | None
    visits_per_member: float | None


async def tiers_of(store_id: int, period: Period) -> list[TierFigure]:
    rows = {
        row["key"]: row
        for row in await slice_rows(store_id, SliceDimension.TIER, period, "orders", "sales")
    }
    ladder = {
        tier.id: tier
        for tier in await Tier.filter(store_id=store_id).order_by("rank", "id")
        if not tier.is_deleted or tier.id in rows
    }
    members: Counter[int] = Counter()
    tiered = CustomerTier.filter(store_id=store_id, tier_id__isnull=False)
    for tier_id in await scalars(tiered.values_list("tier_id", flat=True)):
        members[int(tier_id)] += 1
    total_sales = sum(row["sales"] for row in rows.values())
    keys = [0, *sorted(ladder, key=lambda pk: (ladder[pk].rank, pk))]
    figures = []
    for key in keys:
        row = rows.get(key, {"orders": 0, "sales": 0})
        tier = ladder.get(key)
        held = members[key] if key else None
        figures.append(
            TierFigure(
                tier_id=key or None,
                name=tier.name if tier else None,
                rank=tier.rank if tier else None,
                members=held,
                visits=row["orders"],
                sales=row["sales"],
                average_ticket=round(row["sales"] / row["orders"]) if row["orders"] else None,
                share_of_sales=ratio(row["sales"], total_sales),
                visits_per_member=None if held is None else ratio(row["orders"], held),
            )
        )
    return figures
