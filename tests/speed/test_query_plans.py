"""Every statement of the benchmarked request paths reads through an index: none scans a table
that grows with orders, customers or ledger entries (tests/speed/plans.py says how each
database is asked), so a request costs the same on a young store and on one with a million
orders."""

from __future__ import annotations

import re

from tests.client import Api, gid
from tests.orders import factories as order_factories
from tests.speed import paths
from tests.speed.plans import full_scans, index_conditions
from tests.statements import recorded


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


async def test_a_customers_page_by_points_reads_the_balances_in_their_order(api: Api) -> None:
    # given: ordered through the customers (the store's, each joined to its balance, then
    # sorted), a page by points read every customer of the store: 240 ms on the 100k bench store
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token, customers=4)
    requests = paths.Requests()
    # when
    seen = await paths.customer_pages(api, token, requests, first=1, sort="POINTS_DESC")
    # then each page seeks the store's balances from its place in their order
    bounds = {
        page: [
            condition
            for query, values in sent
            if '"point_balance"."balance" DESC' in query
            for condition in await index_conditions(query, values)
        ]
        for page, sent in requests.sent.items()
    }
    balance, customer = re.compile(r"\bbalance\b"), re.compile(r"\bcustomer_id\b")
    assert len(set(seen)) == 2
    assert any(balance.search(c) for c in bounds["customers page 1"]), bounds
    assert any(balance.search(c) and customer.search(c) for c in bounds["customers page 2"]), bounds


async def test_an_orders_page_after_a_cursor_starts_at_its_instant_in_the_index(
    api: Api,
) -> None:
    # given: with only the OR of the two cases the index was read from its top, so the pages of
    # a store with a million orders cost more the further they are
    for _ in range(3):
        await order_factories.order()
    token = await api.token("owner1@dangol.test")
    first = await api.data(ORDERS_PAGE, {"id": gid("Store", 1), "after": None}, token=token)
    after = first["store"]["orders"]["pageInfo"]["endCursor"]
    # when
    with recorded() as sent:
        await api.data(ORDERS_PAGE, {"id": gid("Store", 1), "after": after}, token=token)
    # then its search is bounded by the cursor's instant
    conditions = [
        condition
        for query, values in sent
        if query.startswith("SELECT") and 'ORDER BY "created_at" DESC' in query
        for condition in await index_conditions(query, values)
    ]
    assert any("created_at" in condition for condition in conditions), conditions


ORDERS_PAGE = """query($id: ID!, $after: String) { store(id: $id) {
  orders(first: 1, after: $after) { edges { node { id } } pageInfo { endCursor } } } }"""
