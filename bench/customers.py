"""Issue 3 at scale: a store of 100,000 customers and 1,000,000 orders (bench/dataset.py).

On SQLite and on PostgreSQL, against a real uvicorn process, beside the same
work in raw SQL through the same driver: ``customerByPhone`` (blind-index
lookup), a 20-row page of DORMANT customers by visits and a 50-row page of every
customer by visits, each at page 1 and page 500 (keyset cursor), and order lifecycles
(createOrder, then advanceOrder to CONFIRMED, PREPARING, READY, COMPLETED) from 8
concurrent clients.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bench.client import ApiClient
from bench.dataset import CUSTOMERS, STORE_ID, BenchStore, bench_store
from bench.load import LoadResult
from bench.raw import RawDb, dormant_page, lookup, order_life, visits_page
from bench.workload import WORKERS, closed_loop, gql, machine_note, owner_client, print_pairs

CONCURRENCY = 8
LOOKUPS = 3_000
PAGE_REQUESTS = 1_000
DEEP_PAGE = 500
LIFECYCLES = 150
MAX_SECONDS = 45.0
BY_PHONE = "query($id: ID!, $p: String!) { store(id: $id) { customerByPhone(phone: $p) { id } } }"
PAGE = """query($id: ID!, $after: String) { store(id: $id) {
  customers(filter: {segment: DORMANT}, sort: VISITS_DESC, first: 20, after: $after) {
    edges { cursor node { id name phone visits { count lastVisitAt } } }
    pageInfo { hasNextPage endCursor } } } }"""
WIDE = """query($id: ID!, $after: String) { store(id: $id) {
  customers(sort: VISITS_DESC, first: 50, after: $after) {
    edges { cursor node { id name phone visits { count lastVisitAt } } }
    pageInfo { hasNextPage endCursor } } } }"""
WIDE_SIZE = 50
CREATE = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
  __typename ... on OrderSuccess { order { id } } ... on UserError { code message } } }"""
ADVANCE = """mutation($id: ID!, $to: OrderStatus!) { advanceOrder(input: {orderId: $id, to: $to}) {
  __typename ... on OrderSuccess { order { id status } } ... on UserError { code message } } }"""
FLOW = ("CONFIRMED", "PREPARING", "READY", "COMPLETED")


def gid(kind: str, pk: int) -> str:
    return base64.b64encode(f"{kind}:{pk}".encode()).decode()


@dataclass(frozen=True)
class Catalogue:
    first_customer: int
    products: list[tuple[int, str, int]]  # id, name, price

    def lines(self, rng: random.Random) -> list[tuple[int, str, int, int]]:
        picked = rng.sample(self.products, k=rng.choice((1, 1, 2, 3)))
        return [(pid, name, price, rng.choice((1, 1, 1, 2))) for pid, name, price in picked]


async def catalogue(db: RawDb) -> Catalogue:
    [(first,)] = await db.fetch(0, "SELECT MIN(id) FROM customer WHERE store_id = $1", STORE_ID)
    rows = await db.fetch(
        0,
        "SELECT id, name, price FROM product WHERE store_id = $1 AND is_archived = $2 ORDER BY id",
        STORE_ID,
        False,
    )
    return Catalogue(int(first), [(int(i), str(n), int(p)) for i, n, p in rows])


def blind_index(store: BenchStore, phone: str) -> str:
    from resolvers.pii import PiiKeys, normalise_phone

    keys = PiiKeys(
        version=1,
        secrets={1: store.environment["DANGOL_PII_KEY"]},
        blind_index_secret=store.environment["DANGOL_BLIND_INDEX_KEY"],
    )
    return keys.phone_index(STORE_ID, normalise_phone(phone))


def dormant_before() -> Any:
    from resolvers.customers.segments import Thresholds, clock

    return clock(Thresholds(), "Asia/Seoul").dormant_before


async def api_order_life(
    client: ApiClient, customer: str, lines: list[tuple[int, str, int, int]], key: str
) -> None:
    created = await gql(
        client,
        "/graphql",
        CREATE,
        {
            "input": {
                "storeId": gid("Store", STORE_ID),
                "channel": "IN_STORE",
                "idempotencyKey": key,
                "customerId": customer,
                "lines": [
                    {"productId": gid("Product", pid), "quantity": q} for pid, _n, _p, q in lines
                ],
            }
        },
    )
    result = created["createOrder"]
    if result["__typename"] != "OrderSuccess":
        raise RuntimeError(f"createOrder: {result}")
    order_id = result["order"]["id"]
    for to in FLOW:
        moved = (await gql(client, "/graphql", ADVANCE, {"id": order_id, "to": to}))["advanceOrder"]
        if moved["__typename"] != "OrderSuccess":
            raise RuntimeError(f"advanceOrder {to}: {moved}")


async def _lookups(
    store: BenchStore, client: ApiClient, db: RawDb
) -> tuple[LoadResult, LoadResult]:
    rng = random.Random(3)
    phones = [store.phone(rng.randrange(CUSTOMERS)) for _ in range(LOOKUPS + 100)]
    store_id = gid("Store", STORE_ID)

    async def api(w: int, n: int) -> None:
        found = await gql(client, "/graphql", BY_PHONE, {"id": store_id, "p": phones[n]})
        if not found["store"]["customerByPhone"]:
            raise RuntimeError(f"{phones[n]} not found")

    async def raw(w: int, n: int) -> None:
        await lookup(db, w, blind_index(store, phones[n]))

    common: dict[str, Any] = dict(
        count=LOOKUPS, concurrency=CONCURRENCY, warmup=100, max_seconds=MAX_SECONDS
    )
    return (
        await closed_loop("customerByPhone", api, **common),
        await closed_loop("customerByPhone", raw, **common),
    )


async def _pages(client: ApiClient, db: RawDb) -> list[tuple[LoadResult, LoadResult]]:
    store_id = gid("Store", STORE_ID)
    before = dormant_before()
    walked = time.perf_counter()
    api_cursor: str | None = None
    raw_cursor: tuple[int, int] | None = None
    deep = 1
    while deep < DEEP_PAGE:
        rows = await dormant_page(db, 0, before, raw_cursor)
        if (
            len(rows) <= 20
            or len(await dormant_page(db, 0, before, (int(rows[19][4]), int(rows[19][0])))) <= 20
        ):
            break  # the next page would be the last, short one: stop at a full page
        data = await gql(client, "/graphql", PAGE, {"id": store_id, "after": api_cursor})
        api_cursor = data["store"]["customers"]["pageInfo"]["endCursor"]
        raw_cursor = (int(rows[19][4]), int(rows[19][0]))
        deep += 1
    print(
        f"  walked the API cursors to page {deep} in {time.perf_counter() - walked:.1f} s "
        f"(one request per page; raw pages walked alongside)",
        flush=True,
    )

    async def api(w: int, after: str | None) -> int:
        data = await gql(client, "/graphql", PAGE, {"id": store_id, "after": after})
        return len(data["store"]["customers"]["edges"])

    async def raw(w: int, after: tuple[int, int] | None) -> int:
        return len(await dormant_page(db, w, before, after)) - 1

    pages = [
        ("DORMANT by visits, page 1", None, None),
        (f"DORMANT by visits, page {deep}", api_cursor, raw_cursor),
    ]
    return await _page_loads(pages, 20, api, raw)


async def _page_loads(
    pages: list[tuple[str, str | None, tuple[int, int] | None]],
    size: int,
    api: Callable[[int, str | None], Awaitable[int]],
    raw: Callable[[int, tuple[int, int] | None], Awaitable[int]],
) -> list[tuple[LoadResult, LoadResult]]:
    """Each page (label, API cursor, raw cursor) loaded through the API and in raw SQL; ``api``
    and ``raw`` answer how many rows the page held (``size`` expected)."""
    common: dict[str, Any] = dict(
        count=PAGE_REQUESTS, concurrency=CONCURRENCY, warmup=20, max_seconds=MAX_SECONDS
    )
    pairs = []
    for label, api_after, raw_after in pages:

        async def api_page(w: int, n: int, after: str | None = api_after) -> None:
            if await api(w, after) != size:
                raise RuntimeError("short page")

        async def raw_page(w: int, n: int, after: tuple[int, int] | None = raw_after) -> None:
            if await raw(w, after) != size:
                raise RuntimeError("short page")

        pairs.append(
            (
                await closed_loop(label, api_page, **common),
                await closed_loop(label, raw_page, **common),
            )
        )
    return pairs


async def _wide_pages(client: ApiClient, db: RawDb) -> list[tuple[LoadResult, LoadResult]]:
    """50-row pages of every customer by visits (issue 9's target) at page 1 and page 500.

    The cursor of page 500 is the API's own (encode_cursor of the raw page 499's last row);
    the API's page 500 is checked against the raw one before the load.
    """
    from schema.pagination import encode_cursor

    store_id = gid("Store", STORE_ID)
    walked = time.perf_counter()
    raw_cursor: tuple[int, int] | None = None
    for _ in range(DEEP_PAGE - 1):
        rows = await visits_page(db, 0, raw_cursor)
        raw_cursor = (int(rows[WIDE_SIZE - 1][4]), int(rows[WIDE_SIZE - 1][0]))
    api_cursor = encode_cursor(list(raw_cursor)) if raw_cursor else None
    expected = [int(row[0]) for row in (await visits_page(db, 0, raw_cursor))[:WIDE_SIZE]]
    data = await gql(client, "/graphql", WIDE, {"id": store_id, "after": api_cursor})
    got = [
        int(base64.b64decode(edge["node"]["id"]).decode().split(":")[1])
        for edge in data["store"]["customers"]["edges"]
    ]
    if got != expected:
        raise RuntimeError(f"API page {DEEP_PAGE} differs from the raw one")
    print(
        f"  walked the raw cursors to page {DEEP_PAGE} of {WIDE_SIZE} in "
        f"{time.perf_counter() - walked:.1f} s (API page {DEEP_PAGE} = raw page {DEEP_PAGE})",
        flush=True,
    )

    async def api(w: int, after: str | None) -> int:
        data = await gql(client, "/graphql", WIDE, {"id": store_id, "after": after})
        return len(data["store"]["customers"]["edges"])

    async def raw(w: int, after: tuple[int, int] | None) -> int:
        return len(await visits_page(db, w, after)) - 1

    pages = [
        (f"all by visits x{WIDE_SIZE}, page 1", None, None),
        (f"all by visits x{WIDE_SIZE}, page {DEEP_PAGE}", api_cursor, raw_cursor),
    ]
    return await _page_loads(pages, WIDE_SIZE, api, raw)


async def _orders(client: ApiClient, db: RawDb, cat: Catalogue) -> tuple[LoadResult, LoadResult]:
    rng = random.Random(5)
    plan = [
        (cat.first_customer + rng.randrange(CUSTOMERS), cat.lines(rng))
        for _ in range(LIFECYCLES + 16)
    ]
    tag, keys = f"bench-{time.time_ns()}", itertools.count()

    async def api(w: int, n: int) -> None:
        customer, lines = plan[n]
        await api_order_life(client, gid("Customer", customer), lines, f"{tag}-{next(keys)}")

    async def raw(w: int, n: int) -> None:
        customer, lines = plan[n]
        await order_life(db, w, customer, lines, loyalty=False)

    common: dict[str, Any] = dict(
        count=LIFECYCLES, concurrency=CONCURRENCY, warmup=16, max_seconds=MAX_SECONDS
    )
    return (
        await closed_loop("order life (create + 4 advances)", api, **common),
        await closed_loop("order life (create + 4 advances)", raw, **common),
    )


async def _measure(store: BenchStore) -> list[tuple[LoadResult, LoadResult]]:
    client = await owner_client(store.server.base_url)
    db = await RawDb.open(store.database_url, CONCURRENCY)
    try:
        pairs = [await _lookups(store, client, db)]
        pairs += await _pages(client, db)
        pairs += await _wide_pages(client, db)
        pairs.append(await _orders(client, db, await catalogue(db)))
        return pairs
    finally:
        await db.close()
        await client.aclose()


def generation_note(store: BenchStore) -> str:
    how = "generated now" if store.generated_now else "cached; generated earlier"
    return (
        f"{store.customers:,} customers / {store.orders:,} orders, "
        f"generation {store.generation_seconds:.1f} s ({how})"
    )


def run() -> None:
    results = []
    for backend in ("sqlite", "postgres"):
        # `serve` runs one process per core: measured at 1 worker and at that.
        for workers in sorted({1, WORKERS}):
            with bench_store(backend, workers=workers) as store:
                pairs = asyncio.run(_measure(store))
            results.append((backend, workers, generation_note(store), pairs))
    print(machine_note())
    for backend, workers, note, pairs in results:
        print()
        print_pairs(
            f"{backend}, {workers} worker{'s' if workers > 1 else ''}: {note}; "
            f"{CONCURRENCY} concurrent clients; order life rate is lifecycles/s",
            pairs[:5],
            rate="req/s",
        )
        print_pairs("", pairs[5:], rate="orders/s")
