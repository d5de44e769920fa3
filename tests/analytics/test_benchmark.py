"""The area benchmark: k-anonymous, read from rollups, gated at Plus; insights gated at Premium."""

from __future__ import annotations

from datetime import date

from core.database import write_transaction
from models.analytics import AnalyticsDay
from models.stores import Plan, Store, StoreCategory
from tests.client import Api, error_code, gid

STORE = 1
BENCHMARK = """
query($id: ID!, $p: AnalyticsPeriodInput!) { store(id: $id) { analytics {
  areaBenchmark(period: $p) {
    area storesInArea minimumStores comparable note
    visits { value areaAverage ratioToAverage topPercent storesCompared }
    revisitRate { value areaAverage ratioToAverage topPercent storesCompared }
  }
} } }
"""
INSIGHTS = "query($id: ID!) { store(id: $id) { analytics { insights { key } } } }"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


async def _month(store_id: int, visits: int, visitors: int, revisitors: int) -> None:
    """One day of March carrying the month's figures (enough for a whole-month benchmark)."""
    await AnalyticsDay.create(
        store_id=store_id,
        day=date(2026, 3, 10),
        orders=visits,
        sales=visits * 5000,
        refunded=0,
        visits=visits,
        first_visits=0,
        converted=0,
        cancelled=0,
        day_visitors=visitors,
        day_revisitors=0,
        week_visitors=visitors,
        week_revisitors=0,
        month_visitors=visitors,
        month_revisitors=revisitors,
        points_issued=0,
        points_used=0,
    )


async def _neighbours(figures: list[tuple[int, int, int]]) -> list[int]:
    ids = []
    async with write_transaction():
        for number, (visits, visitors, revisitors) in enumerate(figures):
            store = await Store.create(
                name=f"이웃 {number}", category=StoreCategory.CAFE, commercial_area="성수동"
            )
            await _month(store.id, visits, visitors, revisitors)
            ids.append(store.id)
    return ids


async def test_an_area_of_fewer_than_five_stores_is_not_compared(api: Api) -> None:
    # given: the two demo stores of 성수동, both with March figures
    await _month(STORE, 100, 50, 20)
    await _month(2, 300, 100, 70)
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(BENCHMARK, {"id": gid("Store", STORE), "p": MARCH}, token=token)
    # then
    found = data["store"]["analytics"]["areaBenchmark"]
    assert found["comparable"] is False
    assert (found["storesInArea"], found["minimumStores"]) == (2, 5)
    assert found["visits"] is None and found["revisitRate"] is None
    assert "Fewer than 5 stores" in found["note"]


async def test_the_store_stands_against_the_area_average_never_a_neighbour(api: Api) -> None:
    # given: five stores of 성수동 with March figures
    await _month(STORE, 100, 50, 20)  # revisit rate 0.4
    await _month(2, 300, 100, 70)  # 0.7
    await _neighbours([(50, 40, 8), (200, 100, 50), (150, 60, 12)])  # 0.2, 0.5, 0.2
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(BENCHMARK, {"id": gid("Store", STORE), "p": MARCH}, token=token)
    # then
    found = data["store"]["analytics"]["areaBenchmark"]
    assert found["comparable"] is True and found["storesInArea"] == 5
    assert found["visits"] == {
        "value": 100.0,
        "areaAverage": 160.0,
        "ratioToAverage": 0.625,
        "topPercent": 80.0,
        "storesCompared": 5,
    }
    rate = found["revisitRate"]
    assert rate["value"] == 0.4 and abs(rate["areaAverage"] - 0.4) < 1e-9
    assert rate["topPercent"] == 60.0
    shown = {str(v) for figure in (found["visits"], rate) for v in figure.values()}
    assert not shown & {"300.0", "50.0", "200.0", "150.0", "0.7", "0.2", "0.5"}


async def test_a_neighbour_without_visitors_does_not_make_up_the_five(api: Api) -> None:
    # given: five stores, one of them idle in March
    await _month(STORE, 100, 50, 20)
    await _month(2, 300, 100, 70)
    await _neighbours([(50, 40, 8), (200, 100, 50)])
    async with write_transaction():
        await Store.create(name="쉬는 가게", category=StoreCategory.CAFE, commercial_area="성수동")
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(BENCHMARK, {"id": gid("Store", STORE), "p": MARCH}, token=token)
    # then
    found = data["store"]["analytics"]["areaBenchmark"]
    assert found["storesInArea"] == 5
    assert found["visits"] is None and found["revisitRate"] is None
    assert "had visits" in found["note"]


async def test_the_benchmark_needs_plus_and_insights_premium(api: Api) -> None:
    # given: store 1 on Basic, store 2 on Plus
    await Store.filter(id=STORE).update(plan=Plan.BASIC)
    owner1 = await api.token("owner1@dangol.test")
    owner2 = await api.token("owner2@dangol.test")
    store2 = (await Store.get(name="성수 베이커리")).id
    # when
    basic = await api.gql(BENCHMARK, {"id": gid("Store", STORE), "p": MARCH}, token=owner1)
    plus = await api.gql(BENCHMARK, {"id": gid("Store", store2), "p": MARCH}, token=owner2)
    plus_insights = await api.gql(INSIGHTS, {"id": gid("Store", store2)}, token=owner2)
    # then
    assert error_code(basic) == "PLAN_UPGRADE_REQUIRED"
    assert basic["errors"][0]["extensions"]["requiredPlan"] == "PLUS"
    assert "errors" not in plus and plus["data"]["store"]["analytics"]["areaBenchmark"]
    assert error_code(plus_insights) == "PLAN_UPGRADE_REQUIRED"
    assert plus_insights["errors"][0]["extensions"]["requiredPlan"] == "PREMIUM"
    assert plus_insights["data"]["store"] is None


async def test_the_benchmark_period_is_a_calendar_unit(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    # when
    body = await api.gql(
        BENCHMARK,
        {"id": gid("Store", STORE), "p": {"from": "2026-03-05", "to": "2026-03-20"}},
        token=token,
    )
    # then
    assert error_code(body) == "BAD_USER_INPUT"


async def test_the_plan_features_name_the_gated_panels(api: Api) -> None:
    # given: store 2 on Plus
    token = await api.token("owner2@dangol.test")
    store2 = (await Store.get(name="성수 베이커리")).id
    # when
    data = await api.data(
        "query($id: ID!) { store(id: $id) { planFeatures { feature requiredPlan included } } }",
        {"id": gid("Store", store2)},
        token=token,
    )
    # then
    features = {f["feature"]: f for f in data["store"]["planFeatures"]}
    assert features["Analytics.areaBenchmark"] == {
        "feature": "Analytics.areaBenchmark",
        "requiredPlan": "PLUS",
        "included": True,
    }
    assert features["Analytics.insights"]["requiredPlan"] == "PREMIUM"
    assert features["Analytics.insights"]["included"] is False
