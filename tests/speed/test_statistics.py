"""SQLite's planner statistics are refreshed after migrations and every day
(``core.database.refresh_statistics``): without them SQLite picks plans by rules of thumb, and a
page of a store's dormant customers by visits sorted every dormant customer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.database import connection, refresh_statistics
from tests.client import Api
from tests.conftest import BACKEND
from tests.customers import factories
from tests.speed import paths

SORTS_ALL = "USE TEMP B-TREE FOR ORDER BY"


async def _page_plan(api: Api, token: str) -> list[str]:
    requests = paths.Requests()
    await paths.customer_pages(api, token, requests, first=20, dormant=True)
    [(query, values)] = [
        (query, values)
        for query, values in requests.sent["customers page 1"]
        if query.startswith("SELECT") and 'ORDER BY "visit_count" DESC' in query
    ]
    _, rows = await connection().execute_query("EXPLAIN QUERY PLAN " + query, list(values))
    return [str(row["detail"]) for row in rows]


async def test_dormant_customers_by_visits_are_read_in_visit_order_with_statistics(
    api: Api,
) -> None:
    # given: a store where most customers are dormant, and no statistics yet
    now = datetime.now(UTC)
    for n in range(300):
        last = now - timedelta(days=1 if n % 5 == 0 else 200)
        await factories.customer(1, visit_count=1 + n % 17, first_visit_at=last, last_visit_at=last)
    token = await api.token("owner1@dangol.test")
    before = await _page_plan(api, token) if BACKEND == "sqlite" else []
    # when
    refreshed = await refresh_statistics()
    # then: on SQLite the page reads the customers in visit order and stops when it is full;
    # PostgreSQL's statistics are its autovacuum's
    assert refreshed is (BACKEND == "sqlite")
    if BACKEND == "sqlite":
        after = await _page_plan(api, token)
        assert SORTS_ALL in before, before  # the plan the statistics change
        assert SORTS_ALL not in after, after
