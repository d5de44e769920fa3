"""Every statement of the benchmarked request paths reads through an index: none scans a table
that grows with orders, customers or ledger entries (tests/speed/plans.py says how each
database is asked), so a request costs the same on a young store and on one with a million
orders."""

from __future__ import annotations

import re

from tests.client import Api
from tests.speed import paths
from tests.speed.plans import full_scans, index_conditions


async def test_the_counter_path_scans_no_growing_table(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    requests = paths.Requests()
    # when
    await paths.counter(api, token, phones[0], products, requests)
    # then
    assert list(requests.sent) == [
        "customerByPhone",
        "createOrder",
        "advanceOrder CONFIRMED",
        "advanceOrder PREPARING",
        "advanceOrder READY",
        "advanceOrder COMPLETED",
    ]
    scans = [scan for sent in requests.sent.values() for scan in await full_scans(sent)]
    assert not scans, "\n".join(scans)


async def test_the_customer_pages_scan_no_growing_table(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token, customers=4)
    requests = paths.Requests()
    # when
    plain = await paths.customer_pages(api, token, requests, first=2)
    dormant_requests = paths.Requests()
    await paths.customer_pages(api, token, dormant_requests, first=2, dormant=True)
    # then
    assert len(set(plain)) == 4
    sent = [*requests.sent.values(), *dormant_requests.sent.values()]
    scans = [scan for statements in sent for scan in await full_scans(statements)]
    assert not scans, "\n".join(scans)


async def test_the_points_dashboard_scans_no_growing_table(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token)
    requests = paths.Requests()
    # when
    board = await paths.dashboard(api, token, requests)
    # then
    assert board["issued"] > 0
    scans = await full_scans(requests.sent["pointsDashboard"])
    assert not scans, "\n".join(scans)


KEYSET_COLUMNS = {
    "VISITS_DESC": "visit_count",
    "TOTAL_PAID_DESC": "total_paid",
    "LAST_VISIT_DESC": "last_visit_at",
}


async def test_a_customers_page_after_a_cursor_starts_at_the_cursor_in_the_index(api: Api) -> None:
    # given: with only an OR of the two cases ((v < x) or (v = x and id < y)) the index is read
    # from its top and the rows before the cursor filtered out: page 500 reads 500 pages of it;
    # with a bound on the sort value alone, every row tied with the cursor's value above it
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token, customers=4)
    bounds: dict[str, list[str]] = {}
    # when
    for sort, column in KEYSET_COLUMNS.items():
        requests = paths.Requests()
        await paths.customer_pages(api, token, requests, first=2, sort=sort)
        bounds[sort] = [
            condition
            for query, values in requests.sent["customers page 2"]
            if query.startswith("SELECT") and f'ORDER BY "{column}" DESC' in query
            for condition in await index_conditions(query, values)
        ]
    # then a search is bounded by the sort value and the id both
    assert {
        sort: any(column in c and re.search(r"\bid\b", c) for c in bounds[sort])
        for sort, column in KEYSET_COLUMNS.items()
    } == dict.fromkeys(KEYSET_COLUMNS, True), bounds
