"""The request paths of the benchmarks (bench/counter.py, bench/customers.py), run through the
API against a test database: the counter (customerByPhone, createOrder, four advanceOrder),
a customers page and its next page, and pointsDashboard. Each call is one request; ``record``
keeps every statement it sends."""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from models.catalogue import Product
from tests.client import Api, gid
from tests.customers import factories
from tests.statements import recorded

STORE = gid("Store", 1)
BY_PHONE = "query($id: ID!, $p: String!) { store(id: $id) { customerByPhone(phone: $p) { id } } }"
CREATE = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
  __typename ... on OrderSuccess { order { id } } ... on UserError { code message } } }"""
ADVANCE = """mutation($id: ID!, $to: OrderStatus!) { advanceOrder(input: {orderId: $id, to: $to}) {
  __typename ... on OrderSuccess { order { id status } } ... on UserError { code message } } }"""
FLOW = ("CONFIRMED", "PREPARING", "READY", "COMPLETED")
PAGE = """query($id: ID!, $after: String, $first: Int!, $filter: CustomerFilterInput,
    $sort: CustomerSort = VISITS_DESC) {
  store(id: $id) {
    customers(filter: $filter, sort: $sort, first: $first, after: $after) {
      edges { cursor node { id name phone visits { count lastVisitAt } } }
      pageInfo { hasNextPage endCursor } } } }"""
DASHBOARD = """query($id: ID!, $from: DateTime!, $to: DateTime!) { store(id: $id) {
  pointsDashboard(period: {from: $from, to: $to}) { issued used expired reversed outstanding
    earningsBySource { source points } topEarners { customerId points } } } }"""
SETUP = (
    ("updatePointProgram", "UpdatePointProgramInput", {"earnRateBp": 100}),
    ("configureStampCard", "ConfigureStampCardInput", {"stampsRequired": 10}),
    ("createTier", "CreateTierInput", {"name": "Silver", "rank": 1}),
    ("createTier", "CreateTierInput", {"name": "Gold", "rank": 2, "minVisits": 20}),
)
_keys = itertools.count(1)

Statements = list[tuple[str, Any]]


@dataclass
class Requests:
    """What each request of a path sent, by name (``"advanceOrder COMPLETED"``)."""

    sent: dict[str, Statements] = field(default_factory=dict)

    async def record(self, name: str, call: Callable[[], Awaitable[Any]]) -> Any:
        with recorded() as seen:
            answer = await call()
        self.sent[name] = seen
        return answer

    def counts(self) -> dict[str, int]:
        return {name: len(seen) for name, seen in self.sent.items()}


async def counter_store(api: Api, token: str, customers: int = 3) -> tuple[list[str], list[str]]:
    """Store 1 as the counter benchmark sets it up (points 1%, stamps, two tiers), with
    products and customers that have completed orders: (phones, product ids)."""
    for name, input_type, values in SETUP:
        query = f"mutation($input: {input_type}!) {{ {name}(input: $input) {{ __typename }} }}"
        await api.data(query, {"input": {"storeId": STORE, **values}}, token=token)
    products = [
        gid("Product", (await Product.create(store_id=1, name=f"메뉴 {n}", price=4500)).id)
        for n in range(3)
    ]
    phones = [factories.unique_phone() for _ in range(customers)]
    for phone in phones:
        await factories.customer(1, phone=phone)
    for phone in phones:  # a history: each customer has a completed order
        await counter(api, token, phone, products, Requests())
    return phones, products


async def counter(api: Api, token: str, phone: str, products: list[str], requests: Requests) -> str:
    """phone -> order -> COMPLETED, as bench/counter.py does; returns the order's id."""
    found = await requests.record(
        "customerByPhone", lambda: api.data(BY_PHONE, {"id": STORE, "p": phone}, token=token)
    )
    customer = found["store"]["customerByPhone"]["id"]
    lines = [{"productId": products[0], "quantity": 2}, {"productId": products[1], "quantity": 1}]
    order_input = {
        "storeId": STORE,
        "channel": "IN_STORE",
        "idempotencyKey": f"speed-{next(_keys)}",
        "customerId": customer,
        "lines": lines,
    }
    created = await requests.record(
        "createOrder", lambda: api.data(CREATE, {"input": order_input}, token=token)
    )
    assert created["createOrder"]["__typename"] == "OrderSuccess", created
    order: str = created["createOrder"]["order"]["id"]
    for to in FLOW:
        moved = await requests.record(
            f"advanceOrder {to}",
            partial(api.data, ADVANCE, {"id": order, "to": to}, token=token),
        )
        assert moved["advanceOrder"]["__typename"] == "OrderSuccess", moved
    return order


async def customer_pages(
    api: Api,
    token: str,
    requests: Requests,
    *,
    first: int,
    dormant: bool = False,
    sort: str = "VISITS_DESC",
) -> list[str]:
    """Page 1 and page 2 (through the cursor) of the customers by visits (or ``sort``); the ids
    seen."""
    variables: dict[str, Any] = {
        "id": STORE,
        "first": first,
        "after": None,
        "filter": {"segment": "DORMANT"} if dormant else None,
        "sort": sort,
    }
    seen: list[str] = []
    for page in (1, 2):
        data = await requests.record(
            f"customers page {page}", lambda: api.data(PAGE, dict(variables), token=token)
        )
        connection = data["store"]["customers"]
        seen += [edge["node"]["id"] for edge in connection["edges"]]
        variables["after"] = connection["pageInfo"]["endCursor"]
    return seen


async def dashboard(api: Api, token: str, requests: Requests) -> dict[str, Any]:
    to = datetime.now(UTC) + timedelta(minutes=1)
    variables = {"id": STORE, "from": (to - timedelta(days=30)).isoformat(), "to": to.isoformat()}
    data = await requests.record(
        "pointsDashboard", lambda: api.data(DASHBOARD, variables, token=token)
    )
    board: dict[str, Any] = data["store"]["pointsDashboard"]
    return board
