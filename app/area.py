"""Neighbours for the area benchmark (I4): stores of one commercial area with daily rollups only.

    await generate_area(store_id=1, stores=1_000, days=730, seed=2026)

adds ``stores - 1`` stores to the commercial area of ``store_id`` and, for each, one
``analytics_day`` row per day of the ``days`` days before ``now``'s local day: no customers,
no orders, because the benchmark reads nothing else of another store. How their figures
spread, per store:

- size: a median day's visits drawn log-normally around the store's own (its average
  day over its last 90 days; sigma 0.9): many smaller stores, a few much busier ones;
  visits of a day ~ Poisson(size x weekday rhythm x a slow drift), orders = visits / 0.9
  (some orders name no customer);
- rhythm: weekends x1.3 at most stores, x0.7 at office-district ones (a quarter of them);
- ticket: an average ticket of 5,000 to 16,000 won, +/-15% a day;
- loyalty: the share of a month's visitors who come twice or more ~ Beta(4, 6) (mean 40%,
  most stores between 20% and 60%); a week's share is 60% of it, a day's 3%;
- first visits: 4% to 15% of visits; 20% to 45% of them come back within 30 days.

Visitors of a calendar day, week or month are its visits divided by how often its
visitors came, the revisitors their share of them, spread over its days in proportion
to the visits so far (summed over the instance they give its distinct customers, as the
order flow's rollups do).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from core.database import db_date, insert_rows, write_transaction
from models.stores import Store
from resolvers.analytics.calendar import Period, Unit, today, unit_start, zone_of
from resolvers.analytics.reading import day_totals
from resolvers.analytics.rollups import DAY_COLUMNS

VISITS_PER_ORDER = 0.9
EXTRA_VISITS = {Unit.DAY: 0.05, Unit.WEEK: 0.6, Unit.MONTH: 1.4}  # extra visits per revisitor
LOYALTY_SHARE = {Unit.DAY: 0.03, Unit.WEEK: 0.6, Unit.MONTH: 1.0}


def _poisson(rng: random.Random, mean: float) -> int:
    if mean < 30:
        limit, k, p = math.exp(-mean), 0, rng.random()
        while p > limit:
            k += 1
            p *= rng.random()
        return k
    return max(0, round(rng.gauss(mean, math.sqrt(mean))))


def _store_days(rng: random.Random, days: Sequence[date], median: float) -> list[dict[str, int]]:
    size = median * math.exp(rng.gauss(0, 0.9))
    office = rng.random() < 0.25
    ticket = rng.uniform(5_000, 16_000)
    loyalty = rng.betavariate(4, 6)
    first_share = rng.uniform(0.04, 0.15)
    conversion = rng.uniform(0.20, 0.45)
    drift = rng.uniform(-0.3, 0.3)
    rows = []
    for k, day in enumerate(days):
        weekend = day.weekday() >= 5
        rhythm = (0.7 if office else 1.3) if weekend else 1.0
        trend = 1 + drift * (k / max(len(days) - 1, 1) - 0.5)
        visits = _poisson(rng, size * rhythm * trend)
        orders = round(visits / VISITS_PER_ORDER)
        first = min(visits, _poisson(rng, visits * first_share))
        rows.append(
            {
                "orders": orders,
                "sales": round(orders * ticket * rng.uniform(0.85, 1.15)),
                "visits": visits,
                "first_visits": first,
                "converted": min(first, _poisson(rng, first * conversion)),
                "points_issued": round(orders * ticket * 0.01),
            }
        )
    for unit in Unit:
        _visitors(rng, days, rows, unit, loyalty * LOYALTY_SHARE[unit])
    return rows


def _visitors(
    rng: random.Random,
    days: Sequence[date],
    rows: list[dict[str, int]],
    unit: Unit,
    share: float,
) -> None:
    """Spread an instance's visitors and revisitors over its days, in proportion to the visits."""
    name = unit.value.lower()
    instances: dict[date, list[int]] = {}
    for k, day in enumerate(days):
        instances.setdefault(unit_start(day, unit), []).append(k)
    for members in instances.values():
        visits = sum(rows[k]["visits"] for k in members)
        revisit_share = min(0.95, max(0.0, rng.gauss(share, 0.03)))
        visitors = min(visits, round(visits / (1 + revisit_share * EXTRA_VISITS[unit])))
        revisitors = min(round(visitors * revisit_share), visits - visitors)
        for column, total in ((f"{name}_visitors", visitors), (f"{name}_revisitors", revisitors)):
            placed = 0
            for position, k in enumerate(members):
                seen = sum(rows[j]["visits"] for j in members[: position + 1])
                due = total if position == len(members) - 1 else round(total * seen / visits or 0)
                rows[k][column] = max(0, due - placed)
                placed += rows[k][column]


async def generate_area(
    *,
    store_id: int,
    stores: int = 1_000,
    days: int = 730,
    seed: int = 2026,
    now: datetime | None = None,
) -> int:
    """Add neighbours to the store's area until it has ``stores`` stores; returns those added."""
    store = await Store.get(id=store_id)
    rng = random.Random(seed * 31 + store_id)
    last = today(zone_of(store.time_zone), now or datetime.now(UTC)) - timedelta(days=1)
    calendar = [last - timedelta(days=days - 1 - k) for k in range(days)]
    span = min(90, days)
    recent = await day_totals(store_id, Period(calendar[-span], calendar[-1]), ("visits",))
    median = max(recent["visits"] / span, 1.0)
    present = await Store.filter(commercial_area=store.commercial_area).count()
    added = 0
    for number in range(present + 1, stores + 1):
        async with write_transaction():
            neighbour = await Store.create(
                name=f"{store.commercial_area} 이웃 {number}",
                category=store.category,
                commercial_area=store.commercial_area,
                address=f"{store.commercial_area} {number}",
                time_zone=store.time_zone,
            )
            rows = [
                (neighbour.id, db_date(day), *(figures.get(c, 0) for c in DAY_COLUMNS))
                for day, figures in zip(calendar, _store_days(rng, calendar, median), strict=True)
            ]
            await insert_rows("analytics_day", ("store_id", "day", *DAY_COLUMNS), rows)
        added += 1
    return added
