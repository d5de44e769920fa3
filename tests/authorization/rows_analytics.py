"""Analytics (I1-I7, K4): owners and managers see every panel, staff see today only, partner
keys only with the action; insights need Premium (store 2 is moved up for its column)."""

from __future__ import annotations

from models.stores import Plan, Store
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)

PERIOD = {"from": "2026-03-01", "to": "2026-03-31"}


def _doc(selection: str, period: bool = True) -> str:
    variables = "$id: ID!, $p: AnalyticsPeriodInput!" if period else "$id: ID!"
    return f"query({variables}) {{ store(id: $id) {{ id analytics {{ {selection} }} }} }}"


def _period(w: World, target: str) -> dict:
    return {"id": w.store(target), "p": PERIOD}


async def _premium(w: World, target: str) -> dict:
    await Store.filter(id=w.store_id(target)).update(plan=Plan.PREMIUM)
    return {"id": w.store(target)}


MANAGERS = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
EVERYONE: Expectations = {**MANAGERS, "staff": (OK, ABSENT)}

ROWS = [
    Row(
        "Analytics.today",
        _doc("today { sales orders topItems { name } }", period=False),
        lambda w, t: {"id": w.store(t)},
        **EVERYONE,
    ),
    Row(
        "Analytics.orderPatterns",
        _doc("orderPatterns(period: $p) { byHour { orders } }"),
        _period,
        **MANAGERS,
    ),
    Row("Analytics.kpis", _doc("kpis(period: $p) { visits { value } }"), _period, **MANAGERS),
    Row(
        "Analytics.areaBenchmark",
        _doc("areaBenchmark(period: $p) { comparable }"),
        _period,
        **MANAGERS,
    ),
    Row("Analytics.insights", _doc("insights { key }", period=False), _premium, **MANAGERS),
    Row(
        "Analytics.firstVisits",
        _doc("firstVisits(period: $p) { firstTimeCustomers }"),
        _period,
        **MANAGERS,
    ),
    Row(
        "Analytics.staffPerformance",
        _doc("staffPerformance(period: $p) { ordersHandled }"),
        _period,
        **MANAGERS,
    ),
    Row("Analytics.byTier", _doc("byTier(period: $p) { visits }"), _period, **MANAGERS),
]
