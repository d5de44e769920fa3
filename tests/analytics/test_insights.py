"""Insights find the pattern a store was built to have, and nothing in a store without one."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from models.analytics import AnalyticsDay, AnalyticsProgress
from models.customers import Customer, StoreAlert
from models.stores import Plan, Store
from models.tiers import Tier
from resolvers.analytics import insights
from tests.analytics.helpers import context, new_customer, owner_id, past_order, products, rebuild
from tests.client import Api, gid

STORE = 1
SEOUL = ZoneInfo("Asia/Seoul")
INSIGHTS = """
query($id: ID!) { store(id: $id) { analytics { insights {
  key kind summary score evidence { name value }
  suggestedAction { text audienceSize insightKey } audience(first: 1000)
} } } }
"""


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SEOUL).astimezone(UTC)


async def _weak_weekday_mornings() -> dict[str, list[int]]:
    """Eight weeks: weekdays one order at 08h and three at 12h, 15h and 19h; weekends three
    at each. Mornings belong to three early birds; everyone else never comes then."""
    (coffee,) = await products(STORE, 4500)
    early = [await new_customer(STORE) for _ in range(3)]
    others = [await new_customer(STORE) for _ in range(6)]
    yesterday = datetime.now(SEOUL).date() - timedelta(days=1)
    turn = 0
    for back in range(56):
        day = yesterday - timedelta(days=back)
        weekend = day.weekday() >= 5
        for hour in (8, 12, 15, 19):
            count = 3 if weekend or hour != 8 else 1
            for k in range(count):
                if hour == 8:
                    who = early[k] if not weekend else others[turn % len(others)]
                else:
                    who = others[turn % len(others)]
                turn += 1
                await past_order(STORE, who, _at(day, hour), [(coffee, 1, 4500)])
    await rebuild(STORE)
    return {"early": early, "others": others}


async def test_weak_weekday_mornings_are_found_with_their_audience(api: Api) -> None:
    # given
    people = await _weak_weekday_mornings()
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(INSIGHTS, {"id": gid("Store", STORE)}, token=token)
    # then
    (found,) = data["store"]["analytics"]["insights"]
    assert found["key"] == "WEAK_DAYPART:WEEKDAY:MORNING"
    assert found["kind"] == "WEAK_DAYPART"
    evidence = {e["name"]: e["value"] for e in found["evidence"]}
    # 592 orders over 56 days x 4 open hours: 2.64 an hour; weekday mornings 1.0
    assert evidence["ordersPerHour"] == "1.0"
    assert evidence["storeOrdersPerHour"] == "2.64"
    assert evidence["belowAveragePercent"] == "62"
    assert "62% below" in found["summary"]
    audience = sorted(found["audience"])
    assert audience == sorted(gid("Customer", pk) for pk in people["others"])
    assert found["suggestedAction"]["audienceSize"] == 6
    assert await insights.audience_of(STORE, found["key"]) == sorted(people["others"])


async def test_a_store_without_a_pattern_finds_nothing(api: Api) -> None:
    # given: every hour of every day alike
    (coffee,) = await products(STORE, 4500)
    regular = await new_customer(STORE)
    yesterday = datetime.now(SEOUL).date() - timedelta(days=1)
    for back in range(56):
        for hour in (8, 12, 15, 19):
            await past_order(
                STORE, regular, _at(yesterday - timedelta(days=back), hour), [(coffee, 1, 4500)]
            )
    await rebuild(STORE)
    token = await api.token("owner1@dangol.test")
    # when
    data = await api.data(INSIGHTS, {"id": gid("Store", STORE)}, token=token)
    # then
    assert data["store"]["analytics"]["insights"] == []
    assert await insights.audience_of(STORE, "WEAK_DAYPART:WEEKDAY:MORNING") == []


async def test_dormant_regulars_and_customers_near_a_tier(api: Api) -> None:
    # given: three regulars gone for 60 days, one still coming; a customer one visit short of Gold
    now = datetime.now(UTC)
    gone = [await new_customer(STORE) for _ in range(3)]
    still = await new_customer(STORE)
    for pk in gone:
        await Customer.filter(id=pk).update(visit_count=12, last_visit_at=now - timedelta(days=60))
    await Customer.filter(id=still).update(visit_count=15, last_visit_at=now - timedelta(days=2))
    await Tier.create(store_id=STORE, name="Gold", rank=1, min_visits=10)
    (coffee,) = await products(STORE, 4500)
    climber = await new_customer(STORE)
    for back in range(9):
        await past_order(STORE, climber, now - timedelta(days=3 + back), [(coffee, 1, 4500)])
    await Customer.filter(id=climber).update(visit_count=9, last_visit_at=now - timedelta(days=3))
    # when
    found = {row.key: row for row in await insights.refresh(STORE, now)}
    # then
    assert set(found) == {"DORMANT_REGULARS", f"TIER_NEAR:{(await Tier.get(name='Gold')).id}"}
    assert found["DORMANT_REGULARS"].audience == sorted(gone)
    assert found["DORMANT_REGULARS"].evidence["regulars"] == 4
    tier_key = next(k for k in found if k.startswith("TIER_NEAR"))
    assert found[tier_key].audience == [climber]


async def test_a_sharp_drop_of_first_time_customers_alerts_the_owners_once(
    api: Api, app: Any
) -> None:
    # given: 12 first-time customers in a week, 3 in the next
    now = datetime(2026, 3, 18, 3, tzinfo=UTC)  # a Wednesday in Seoul
    for day, first in ((date(2026, 3, 3), 12), (date(2026, 3, 10), 3)):
        await AnalyticsDay.create(
            store_id=STORE,
            day=day,
            orders=first,
            sales=0,
            refunded=0,
            visits=first,
            first_visits=first,
            converted=0,
            cancelled=0,
            day_visitors=0,
            day_revisitors=0,
            week_visitors=0,
            week_revisitors=0,
            month_visitors=0,
            month_revisitors=0,
            points_issued=0,
            points_used=0,
        )
    ctx = context(app, await owner_id())
    # when
    raised = await insights.check_kpi_drops(ctx, STORE, now)
    again = await insights.check_kpi_drops(ctx, STORE, now + timedelta(hours=1))
    # then: one alert per KPI that dropped (new customers and visits), to the owner only
    assert (raised, again) == (2, 0)
    sent = await StoreAlert.filter(store_id=STORE, kind="KPI_ALERT").order_by("id")
    assert {a.recipient_id for a in sent} == {await owner_id()}
    payload = next(a.payload for a in sent if a.payload["kpi"] == "newCustomers")
    assert payload == {
        "kpi": "newCustomers",
        "week": "2026-03-09",
        "previous": 12,
        "current": 3,
        "change_percent": -75,
        "threshold_percent": 30,
    }


async def test_a_small_dip_raises_nothing(api: Api, app: Any) -> None:
    # given
    now = datetime(2026, 3, 18, 3, tzinfo=UTC)
    for day, first in ((date(2026, 3, 3), 12), (date(2026, 3, 10), 10)):
        await AnalyticsDay.create(
            store_id=STORE,
            day=day,
            orders=first,
            sales=0,
            refunded=0,
            visits=first,
            first_visits=first,
            converted=0,
            cancelled=0,
            day_visitors=0,
            day_revisitors=0,
            week_visitors=0,
            week_revisitors=0,
            month_visitors=0,
            month_revisitors=0,
            points_issued=0,
            points_used=0,
        )
    # when
    raised = await insights.check_kpi_drops(context(app, await owner_id()), STORE, now)
    # then
    assert raised == 0
    assert not await StoreAlert.filter(store_id=STORE, kind="KPI_ALERT").exists()


async def test_the_job_refreshes_premium_stores_only(api: Api, app: Any) -> None:
    # given: store 1 Premium, store 2 Plus
    assert (await Store.get(id=STORE)).plan == Plan.PREMIUM
    # when
    await insights.run(context(app, await owner_id()), datetime.now(UTC))
    # then
    done = {p.store_id: p.insights_at for p in await AnalyticsProgress.all()}
    assert done.get(STORE) is not None
    assert done.get(2) is None
