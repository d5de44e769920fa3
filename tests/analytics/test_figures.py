"""Known answers: a store whose orders were placed so that every figure can be told in advance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from models.accounts import Account
from models.orders import OrderStatus
from resolvers.analytics import figures
from tests.analytics.helpers import new_customer, owner_id, past_order, products, rebuild
from tests.client import Api, gid

STORE = 1
KST = timezone(timedelta(hours=9))
REFUNDED = OrderStatus.REFUNDED
PANELS = """
query($id: ID!, $p: AnalyticsPeriodInput!) { store(id: $id) { analytics {
  kpis(period: $p) {
    period { from to days } previousPeriod { from to }
    visits { value previous change changeRate }
    revisitRate { value previous change }
    newCustomers { value previous }
    sales { value previous } orders { value }
  }
  orderPatterns(period: $p) {
    byHour { hour orders sales averageOrders }
    byWeekdayHour { weekday hour orders }
  }
} } }
"""


def kst(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=KST).astimezone(UTC)


async def _seoul_day(store_id: int) -> dict[str, Any]:
    """Orders around the Seoul midnight of Monday 2 March 2026, a refund, a partial refund."""
    (coffee,) = await products(store_id, 5000)
    c1, c2, c3 = [await new_customer(store_id) for _ in range(3)]
    staff = await owner_id()
    await past_order(
        store_id, c1, kst(2026, 3, 1, 23, 59, 59), [(coffee, 1, 5000)], first=True, staff_id=staff
    )
    await past_order(store_id, c1, kst(2026, 3, 2, 0, 0, 0), [(coffee, 1, 6000)], staff_id=staff)
    await past_order(
        store_id, c2, kst(2026, 3, 2, 12), [(coffee, 1, 7000)], status=REFUNDED, first=True
    )
    await past_order(
        store_id, c3, kst(2026, 3, 2, 13), [(coffee, 1, 8000)], refunded=3000, first=True
    )
    await past_order(store_id, c3, kst(2026, 3, 2, 18), [(coffee, 1, 4000)])
    await past_order(store_id, None, kst(2026, 3, 2, 9, 30), [(coffee, 1, 2000)])
    await rebuild(store_id, kst(2026, 3, 10))
    return {"coffee": coffee}


async def test_a_seoul_day_starts_at_midnight_and_refunds_are_left_out(api: Api) -> None:
    # given
    await _seoul_day(STORE)
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(
        PANELS,
        {"id": gid("Store", STORE), "p": {"from": "2026-03-02", "to": "2026-03-02"}},
        token=token,
    )
    # then
    panels = data["store"]["analytics"]
    kpis = panels["kpis"]
    assert kpis["period"] == {"from": "2026-03-02", "to": "2026-03-02", "days": 1}
    assert kpis["previousPeriod"] == {"from": "2026-03-01", "to": "2026-03-01"}
    assert kpis["visits"] == {"value": 3, "previous": 1, "change": 2, "changeRate": 2.0}
    assert kpis["orders"]["value"] == 4
    assert kpis["sales"] == {"value": 6000 + 5000 + 4000 + 2000, "previous": 5000}
    assert kpis["revisitRate"] == {"value": 0.5, "previous": 0.0, "change": 0.5}
    assert kpis["newCustomers"] == {"value": 1, "previous": 1}
    by_hour = {h["hour"]: h["orders"] for h in panels["orderPatterns"]["byHour"]}
    assert by_hour == {h: (1 if h in (0, 9, 13, 18) else 0) for h in range(24)}
    monday = [s for s in panels["orderPatterns"]["byWeekdayHour"] if s["orders"]]
    assert {(s["weekday"], s["hour"]) for s in monday} == {(1, 0), (1, 9), (1, 13), (1, 18)}


async def test_revisit_rate_counts_customers_per_week_and_month(api: Api) -> None:
    # given
    await _seoul_day(STORE)
    token = await api.token("owner1@dangol.test")
    store = gid("Store", STORE)
    # when
    week = await api.data(
        PANELS, {"id": store, "p": {"from": "2026-03-02", "to": "2026-03-08"}}, token=token
    )
    month = await api.data(
        PANELS, {"id": store, "p": {"from": "2026-03-01", "to": "2026-03-31"}}, token=token
    )
    # then: c1 came on 1 and 2 March (two weeks, one month), c3 twice on the 2nd
    assert week["store"]["analytics"]["kpis"]["revisitRate"]["value"] == 0.5
    assert week["store"]["analytics"]["kpis"]["previousPeriod"] == {
        "from": "2026-02-23",
        "to": "2026-03-01",
    }
    assert month["store"]["analytics"]["kpis"]["revisitRate"]["value"] == 1.0
    assert month["store"]["analytics"]["kpis"]["previousPeriod"] == {
        "from": "2026-02-01",
        "to": "2026-02-28",
    }


async def test_kpis_refuse_a_period_that_is_no_calendar_unit(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    # when
    body = await api.gql(
        PANELS,
        {"id": gid("Store", STORE), "p": {"from": "2026-03-03", "to": "2026-03-12"}},
        token=token,
    )
    # then
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "period.from"


async def test_today_is_the_seoul_day_as_of_now(api: Api) -> None:
    # given
    await _seoul_day(STORE)
    # when: half a minute after the Seoul midnight
    found = await figures.today_of(STORE, kst(2026, 3, 2, 0, 0, 30))
    # then
    assert found.day.isoformat() == "2026-03-02"
    assert (found.orders, found.sales, found.visits, found.new_customers) == (4, 17000, 3, 1)
    assert found.refunded == 7000 + 3000
    assert found.average_ticket == 4250
    assert [(i.orders, i.quantity) for i in found.top_items] == [(4, 4)]


FIRST_VISITS = """
query($id: ID!, $p: AnalyticsPeriodInput!) { store(id: $id) { analytics {
  firstVisits(period: $p) {
    firstTimeCustomers converted conversionRate
    amountDistribution { from to orders }
    topProducts { name orders share }
    boughtTogether { firstName secondName orders support confidence lift }
  }
  staffPerformance(period: $p) {
    name ordersHandled firstTimeCustomersServed returned conversionRate
  }
} } }
"""


async def test_first_visits_bundles_and_staff(api: Api) -> None:
    # given: ten first visits in April 2026; A with B four times, A alone twice, C twice,
    # B with C once, D once; three come back within 30 days, one on the 31st day
    a, b, c, d = await products(STORE, 4500, 3500, 6000, 12000)
    baskets = [[a, b]] * 4 + [[a]] * 2 + [[c]] * 2 + [[b, c]] + [[d]]
    prices = {a: 4500, b: 3500, c: 6000, d: 12000}
    owner = await owner_id()
    staff = (await Account.get(email="staff1@dangol.test")).id
    for k, basket in enumerate(baskets):
        customer = await new_customer(STORE)
        at = kst(2026, 4, 1 + k, 10)
        who = staff if k < 6 else owner
        await past_order(
            STORE, customer, at, [(p, 1, prices[p]) for p in basket], first=True, staff_id=who
        )
        if k in (0, 1, 6):
            await past_order(
                STORE, customer, at + timedelta(days=29), [(a, 1, 4500)], staff_id=owner
            )
        if k == 2:
            await past_order(
                STORE, customer, at + timedelta(days=31), [(a, 1, 4500)], staff_id=owner
            )
    await rebuild(STORE, kst(2026, 6, 1))
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(
        FIRST_VISITS,
        {"id": gid("Store", STORE), "p": {"from": "2026-04-01", "to": "2026-04-30"}},
        token=token,
    )
    # then
    first = data["store"]["analytics"]["firstVisits"]
    assert (first["firstTimeCustomers"], first["converted"], first["conversionRate"]) == (
        10,
        3,
        0.3,
    )
    bands = {band["from"]: band["orders"] for band in first["amountDistribution"]}
    assert bands[0] == 2 and bands[5000] == 7 and bands[10000] == 1
    assert [(p["name"], p["orders"]) for p in first["topProducts"]][:3] == [
        ("상품1", 6),
        ("상품2", 5),
        ("상품3", 3),
    ]
    (pair,) = first["boughtTogether"]
    assert (pair["firstName"], pair["secondName"], pair["orders"]) == ("상품1", "상품2", 4)
    assert pair["support"] == 0.4
    assert abs(pair["lift"] - 4 * 10 / (6 * 5)) < 1e-9
    assert abs(pair["confidence"] - 4 / 6) < 1e-9
    people = {p["name"]: p for p in data["store"]["analytics"]["staffPerformance"]}
    assert people["Staff 1"]["firstTimeCustomersServed"] == 6
    assert people["Staff 1"]["returned"] == 2
    assert people["Owner 1"]["firstTimeCustomersServed"] == 4
    assert people["Owner 1"]["returned"] == 1
    assert people["Owner 1"]["ordersHandled"] == 4 + 1  # and the return on 30 April
