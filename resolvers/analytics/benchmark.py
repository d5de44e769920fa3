"""The area benchmark (I4): the store against the stores of its commercial area.

It reads the area's day rollups only, never another store's orders, and answers with
the area's average and the store's place among them: never another store's own figures.
With fewer than ``MIN_STORES`` stores contributing to a figure it says so instead.
"""

from __future__ import annotations

import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.functions import Sum

from core.database import connection
from models.analytics import AnalyticsDay
from models.stores import Store
from resolvers.analytics.calendar import Period, Unit, calendar_period
from resolvers.analytics.figures import ratio
from resolvers.analytics.rollups import scalars

MIN_STORES = 5
AREA_CACHE_SECONDS = 300.0
AREA_CACHE_SIZE = 256
Figures = dict[int, tuple[int, int, int]]  # store -> (visits, visitors, revisitors)
_area_cache: OrderedDict[tuple[int, str, date, date, str], tuple[float, Any, Figures]] = (
    OrderedDict()
)


@dataclass(frozen=True)
class Standing:
    value: float
    area_average: float
    ratio_to_average: float | None
    top_percent: float
    stores_compared: int


@dataclass(frozen=True)
class Benchmark:
    area: str
    period: Period
    stores_in_area: int
    comparable: bool
    note: str | None
    visits: Standing | None
    revisit_rate: Standing | None


def standing(own: float, others: list[float]) -> Standing:
    """``others`` includes the store's own value."""
    average = sum(others) / len(others)
    above = sum(1 for value in others if value > own)
    return Standing(
        value=own,
        area_average=average,
        ratio_to_average=ratio(own, average),
        top_percent=100.0 * (above + 1) / len(others),
        stores_compared=len(others),
    )


async def _figures_of(store_ids: list[int], period: Period, prefix: str) -> Figures:
    rows = await (
        AnalyticsDay.filter(store_id__in=store_ids, day__gte=period.start, day__lte=period.end)
        .group_by("store_id")
        .annotate(
            visits=Sum("visits"),
            visitors=Sum(f"{prefix}_visitors"),
            revisitors=Sum(f"{prefix}_revisitors"),
        )
        .values_list("store_id", "visits", "visitors", "revisitors")
    )
    return {int(pk): (int(v or 0), int(c or 0), int(r or 0)) for pk, v, c, r in rows}


async def _area_figures(area: str, store_ids: list[int], period: Period, prefix: str) -> Figures:
    """The area's figures, read at most ``AREA_CACHE_SECONDS`` ago by this process: they are
    the same for every store of the area and change little (the asking store's own are
    always read afresh)."""
    database = connection()  # a cache per database (tests open many)
    key = (id(database), area, period.start, period.end, prefix)
    found = _area_cache.get(key)
    if (
        found is not None
        and found[1]() is database
        and time.monotonic() - found[0] < AREA_CACHE_SECONDS
    ):
        _area_cache.move_to_end(key)
        return found[2]
    figures = await _figures_of(store_ids, period, prefix)
    _area_cache[key] = (time.monotonic(), weakref.ref(database), figures)
    while len(_area_cache) > AREA_CACHE_SIZE:
        _area_cache.popitem(last=False)
    return figures


async def benchmark_of(store_id: int, start: date, end: date) -> Benchmark:
    period = calendar_period(start, end)
    area = str(
        (await scalars(Store.filter(id=store_id).values_list("commercial_area", flat=True)))[0]
    )
    area_ids = [
        int(pk)
        for pk in await scalars(Store.filter(commercial_area=area).values_list("id", flat=True))
    ]
    if len(area_ids) < MIN_STORES:
        return Benchmark(
            area,
            period,
            len(area_ids),
            False,
            f"Fewer than {MIN_STORES} stores in {area}: the area is not compared, "
            "so that no store's own figures can be told.",
            None,
            None,
        )
    prefix = (period.unit or Unit.DAY).value.lower()
    figures = dict(await _area_figures(area, area_ids, period, prefix))
    figures.pop(store_id, None)
    figures.update(await _figures_of([store_id], period, prefix))
    own_visits, own_visitors, own_revisitors = figures.get(store_id, (0, 0, 0))
    visits: list[float] = [v for v, _, _ in figures.values() if v > 0]
    if own_visits == 0:
        visits.append(0)
    rates = [r / c for _, c, r in figures.values() if c > 0]
    own_rate = ratio(own_revisitors, own_visitors)
    visits_standing = standing(own_visits, visits) if len(visits) >= MIN_STORES else None
    rate_standing = (
        standing(own_rate, rates) if own_rate is not None and len(rates) >= MIN_STORES else None
    )
    note = None
    if visits_standing is None or rate_standing is None:
        note = (
            f"Fewer than {MIN_STORES} stores of {area} had visits in the period"
            if visits_standing is None
            else "The store had no visitors in the period, so its revisit rate is not compared"
            if own_rate is None
            else f"Fewer than {MIN_STORES} stores of {area} had visitors in the period"
        )
    return Benchmark(
        area=area,
        period=period,
        stores_in_area=len(area_ids),
        comparable=visits_standing is not None,
        note=note,
        visits=visits_standing,
        revisit_rate=rate_standing,
    )
