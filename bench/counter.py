"""Issue 4: the counter's hot path on the generated store of bench/dataset.py.

Per completion: find the customer by phone, create an order for them, advance it
to COMPLETED (completion records the visit, earns points, stamps and re-evaluates
the tier through resolvers/orders/loyalty.py). The store first gets a point
programme, a stamp card and two tiers through the API. Beside it, the same writes
in raw SQL through the same driver (bench/raw.py). Then ``pointsDashboard`` for
the last month.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.client import ApiClient
from bench.customers import BY_PHONE, api_order_life, blind_index, catalogue, generation_note, gid
from bench.dataset import STORE_ID, BenchStore, bench_store
from bench.load import LoadResult
from bench.raw import RawDb, lookup, order_life
from bench.workload import (
    WORKERS,
    GraphQLError,
    closed_loop,
    gql,
    machine_note,
    owner_client,
    print_pairs,
)

CONCURRENCY = 8
COMPLETIONS = 150
DASHBOARD_REQUESTS = 20
MAX_SECONDS = 60.0
# The same counter on a young store: its rate beside the big store's shows what grows with history.
SMALL_CUSTOMERS = int(os.environ.get("DANGOL_BENCH_SMALL_CUSTOMERS", "2000"))
SMALL_ORDERS = int(os.environ.get("DANGOL_BENCH_SMALL_ORDERS", "20000"))
SETUP = (
    ("point programme 1%", "updatePointProgram", "UpdatePointProgramInput", {"earnRateBp": 100}),
    ("stamp card of 10", "configureStampCard", "ConfigureStampCardInput", {"stampsRequired": 10}),
    ("tier Silver (rank 1)", "createTier", "CreateTierInput", {"name": "Silver", "rank": 1}),
    (
        "tier Gold (rank 2, 20 visits)",
        "createTier",
        "CreateTierInput",
        {"name": "Gold", "rank": 2, "minVisits": 20},
    ),
)
DASHBOARD = """query($id: ID!, $from: DateTime!, $to: DateTime!) { store(id: $id) {
  pointsDashboard(period: {from: $from, to: $to}) { issued used expired reversed outstanding
    earningsBySource { source points } topEarners { customerId points } } } }"""


async def _configure(client: ApiClient) -> list[str]:
    done = []
    for label, field, input_type, values in SETUP:
        query = f"mutation($input: {input_type}!) {{ {field}(input: $input) {{ __typename }} }}"
        try:
            data = await gql(
                client, "/graphql", query, {"input": {"storeId": gid("Store", STORE_ID), **values}}
            )
            done.append(f"{label}: {data[field]['__typename']}")
        except GraphQLError as exc:
            done.append(f"{label}: not available ({str(exc)[:120]})")
    return done


async def _counter(
    store: BenchStore, client: ApiClient, db: RawDb, workers: int
) -> tuple[LoadResult, LoadResult]:
    cat = await catalogue(db)
    rng = random.Random(11)
    plan = [(rng.randrange(store.customers), cat.lines(rng)) for _ in range(COMPLETIONS + 16)]
    tag, keys = f"counter-{time.time_ns()}", itertools.count()
    store_id = gid("Store", STORE_ID)

    async def api(w: int, n: int) -> None:
        k, lines = plan[n]
        found = await gql(client, "/graphql", BY_PHONE, {"id": store_id, "p": store.phone(k)})
        customer = found["store"]["customerByPhone"]
        if not customer:
            raise RuntimeError(f"{store.phone(k)} not found")
        await api_order_life(client, customer["id"], lines, f"{tag}-{next(keys)}")

    async def raw(w: int, n: int) -> None:
        k, lines = plan[n]
        customer_id = await lookup(db, w, blind_index(store, store.phone(k)))
        await order_life(db, w, customer_id, lines, loyalty=True)

    common: dict[str, Any] = dict(
        count=COMPLETIONS, concurrency=CONCURRENCY, warmup=16, max_seconds=MAX_SECONDS
    )
    label = f"phone -> order -> COMPLETED, {workers} worker{'s' if workers > 1 else ''}"
    return (
        await closed_loop(label, api, **common),
        await closed_loop(label, raw, **common),
    )


async def _dashboard(client: ApiClient, db: RawDb) -> tuple[LoadResult | None, str]:
    to = datetime.now(UTC)
    variables = {
        "id": gid("Store", STORE_ID),
        "from": (to - timedelta(days=30)).isoformat(),
        "to": to.isoformat(),
    }
    try:
        data = await gql(client, "/graphql", DASHBOARD, variables)
    except GraphQLError as exc:
        return None, f"pointsDashboard not available: {str(exc)[:200]}"
    [(entries,)] = await db.fetch(
        0, "SELECT COUNT(*) FROM point_entry WHERE store_id = $1", STORE_ID
    )

    async def call(w: int, n: int) -> None:
        await gql(client, "/graphql", DASHBOARD, variables)

    result = await closed_loop(
        "pointsDashboard, last 30 days",
        call,
        count=DASHBOARD_REQUESTS,
        concurrency=1,
        warmup=2,
        max_seconds=MAX_SECONDS,
    )
    issued = data["store"]["pointsDashboard"]["issued"]
    return result, f"{entries} point entries in the store (issued in the month: {issued})"


async def _measure(
    store: BenchStore, dashboard: bool = True, workers: int = 1
) -> tuple[list[str], tuple[LoadResult, LoadResult], tuple[LoadResult | None, str]]:
    client = await owner_client(store.server.base_url)
    db = await RawDb.open(store.database_url, CONCURRENCY)
    try:
        setup = await _configure(client)
        counter = await _counter(store, client, db, workers)
        board = await _dashboard(client, db) if dashboard else (None, "")
        return setup, counter, board
    finally:
        await db.close()
        await client.aclose()


def run() -> None:
    results = []
    small: dict[str, tuple[str, LoadResult]] = {}
    for backend in ("sqlite", "postgres"):
        with bench_store(backend, customers=SMALL_CUSTOMERS, orders=SMALL_ORDERS) as store:
            _, (api, _raw), _ = asyncio.run(_measure(store, dashboard=False))
            small[backend] = (generation_note(store), api)
        with bench_store(backend) as store:
            setup, counter, board = asyncio.run(_measure(store))
        counters = [counter]
        if WORKERS > 1:
            with bench_store(backend, workers=WORKERS) as store:
                _, many, _ = asyncio.run(_measure(store, dashboard=False, workers=WORKERS))
            counters.append(many)
        results.append((backend, generation_note(store), (setup, counters, board)))
    print(machine_note())
    print(
        "raw SQL path: blind-index lookup; order + lines insert; 4 conditional status updates; "
        "visit counters;"
    )
    print(
        "              point balance upsert + entry; stamp balance upsert + entry; "
        "tier ladder read (one tx per step)"
    )
    for backend, note, (setup, counters, (dashboard, about)) in results:
        print()
        print(f"{backend}: {note}")
        print("  set up through the API: " + "; ".join(setup))
        print_pairs(
            f"  counter, {CONCURRENCY} concurrent clients "
            "(rate = completions/s, latency per completion)",
            counters,
            rate="compl/s",
        )
        young_note, young = small[backend]
        print(
            f"  the same counter (API) on a young store ({young_note}): "
            f"{young.rps:.1f} compl/s, p50 {young.percentile_ms(50):.0f} ms; "
            f"young/big rate {young.rps / max(counters[0][0].rps, 1e-9):.2f}x (1 worker each)"
        )
        if dashboard is None:
            print(f"  {about}")
        else:
            print(
                f"  pointsDashboard (one client, {dashboard.requests} requests): "
                f"p50 {dashboard.percentile_ms(50):.1f} ms, "
                f"p99 {dashboard.percentile_ms(99):.1f} ms, fail {dashboard.failures}; {about}"
            )
