from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.database import write_transaction
from models.points import PointKind, PointSource
from resolvers.points import expire_points, ledger
from tests.client import Api, gid
from tests.points import helpers
from tests.points.invariants import check_ledger
from tests.statements import recorded

NOW = datetime.now(UTC)


def _period(days_before: int = 1, days_after: int = 1) -> dict:
    return {
        "from": (NOW - timedelta(days=days_before)).isoformat(),
        "to": (NOW + timedelta(days=days_after)).isoformat(),
    }


async def _earn(
    customer: int, points: int, source: PointSource = PointSource.PURCHASE, **lot: Any
) -> None:
    async with write_transaction():
        await ledger.credit(1, customer, points, kind=PointKind.EARN, source=source, **lot)


async def test_the_dashboard_sums_the_period_by_kind_and_source(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    a, b, c = await helpers.customer(), await helpers.customer(), await helpers.customer()
    await _earn(a, 500)
    await _earn(b, 300)
    await _earn(b, 50, PointSource.REVIEW)
    await _earn(c, 40, expires_at=NOW - timedelta(seconds=1))
    await helpers.adjust(api, token, a, 25)
    await helpers.adjust(api, token, a, -5)
    await helpers.transfer(api, token, b, c, 100)
    await expire_points(NOW)
    await helpers.give(await helpers.customer(store_id=2), 999, store_id=2)
    # when
    data = await api.data(
        helpers.DASHBOARD, {"id": gid("Store", 1), "p": _period(), "top": 2}, token=token
    )
    # then
    board = data["store"]["pointsDashboard"]
    assert (board["issued"], board["used"], board["expired"], board["reversed"]) == (915, 0, 40, 5)
    assert board["outstanding"] == 915 - 40 - 5
    assert board["earningsBySource"] == [
        {"source": "PURCHASE", "points": 840},
        {"source": "REVIEW", "points": 50},
        {"source": "MANUAL", "points": 25},
    ]
    assert board["topEarners"] == [
        {"customerId": gid("Customer", a), "points": 500},
        {"customerId": gid("Customer", b), "points": 350},
    ]
    await check_ledger()


async def test_the_dashboard_of_an_empty_period_is_zero(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    await _earn(await helpers.customer(), 100)
    # when
    data = await api.data(
        helpers.DASHBOARD, {"id": gid("Store", 1), "p": _period(-2, 3)}, token=token
    )
    # then
    board = data["store"]["pointsDashboard"]
    assert (board["issued"], board["outstanding"], board["topEarners"]) == (0, 100, [])


async def test_outstanding_is_what_was_held_when_the_period_ended(api: Api) -> None:
    # given points earned now, and a period that ended yesterday
    token = await helpers.owner(api)
    customer = await helpers.customer()
    await _earn(customer, 100)
    await helpers.adjust(api, token, customer, -30)
    # when
    past = await api.data(
        helpers.DASHBOARD, {"id": gid("Store", 1), "p": _period(3, -1)}, token=token
    )
    current = await api.data(
        helpers.DASHBOARD, {"id": gid("Store", 1), "p": _period()}, token=token
    )
    # then what came after the period's end is not counted
    assert past["store"]["pointsDashboard"]["outstanding"] == 0
    assert current["store"]["pointsDashboard"]["outstanding"] == 70
    await check_ledger()


async def test_the_dashboard_costs_the_same_statements_whatever_the_data(api: Api) -> None:
    # given one earner, then sixteen
    token = await helpers.owner(api)
    variables = {"id": gid("Store", 1), "p": _period()}
    await _earn(await helpers.customer(), 10)
    await api.data(helpers.DASHBOARD, variables, token=token)
    with recorded() as few:
        await api.data(helpers.DASHBOARD, variables, token=token)
    for _ in range(15):
        await _earn(await helpers.customer(), 10)
    # when
    with recorded() as many:
        await api.data(helpers.DASHBOARD, variables, token=token)
    # then
    assert len(many) == len(few)
    assert sum("GROUP BY" in sql.upper() for sql, _ in many) == 2


async def test_a_period_that_ends_before_it_starts_is_refused(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    # when
    body = await api.gql(
        helpers.DASHBOARD, {"id": gid("Store", 1), "p": _period(-1, -1)}, token=token
    )
    # then
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
