"""Subscription fan-out (J2): 200 subscribers on one server process, orders created one by one.

For each database: a real uvicorn process on a throw-away database with the demo data
(scheduled jobs off), 200 WebSocket connections (``graphql-transport-ws``, the
``websockets`` client) each subscribed to ``orderEvents`` of store 1, then orders
created through ``createOrder`` one at a time (the next once all 200 have the last).
Figures, over every (order, subscriber):

* ``after answer``: from the ``createOrder`` answer to the subscriber's receipt (the
  event leaves at commit, so it may even arrive before the answer: then 0);
* ``end to end``: from sending ``createOrder`` to the receipt;
* ``spread``: per order, the last subscriber's receipt less the first's.

The load generator, the 200 sockets and the server share this machine's cores.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import subprocess
import time
from collections.abc import Iterator
from contextlib import AsyncExitStack, contextmanager
from typing import Any

import asyncpg
import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from bench.server import ROOT, Server, _python, running_server

PROTOCOL = Subprotocol("graphql-transport-ws")
SUBSCRIBERS = int(os.environ.get("DANGOL_BENCH_SUBSCRIBERS", "200"))
ORDERS = int(os.environ.get("DANGOL_BENCH_LIVE_ORDERS", "50"))
POSTGRES = os.environ.get("DANGOL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STORE = "U3RvcmU6MQ=="  # Store:1
LOGIN = """mutation { login(input: {email: "owner1@dangol.test", password: "dangol-demo"}) {
  ... on SessionTokens { accessToken } } }"""
PRODUCT = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
  ... on ProductSuccess { product { id } } } }"""
ORDER = """mutation($input: CreateOrderInput!) { createOrder(input: $input) {
  ... on OrderSuccess { order { id } } } }"""
SUBSCRIBE = "subscription($s: ID!) { orderEvents(storeId: $s) { type order { id } } }"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


async def _gql(
    client: httpx.AsyncClient, query: str, variables: dict[str, Any], token: str = ""
) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    body = (
        await client.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )
    ).json()
    if "errors" in body:
        raise RuntimeError(body["errors"])
    return body["data"]


class Subscriber:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self.received: dict[str, float] = {}
        self.duplicates = 0

    async def read(self) -> None:
        async for raw in self.connection:
            at = time.perf_counter()
            message = json.loads(raw)
            if message.get("type") == "next":
                order = message["payload"]["data"]["orderEvents"]["order"]["id"]
                if order in self.received:
                    self.duplicates += 1
                self.received[order] = at


async def _subscriber(stack: AsyncExitStack, url: str, token: str) -> Subscriber:
    connection = await stack.enter_async_context(
        connect(url, subprotocols=[PROTOCOL], compression=None, proxy=None)
    )
    await connection.send(
        json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
    )
    ack = json.loads(await connection.recv())
    if ack.get("type") != "connection_ack":
        raise RuntimeError(f"not acknowledged: {ack}")
    await connection.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": SUBSCRIBE, "variables": {"s": STORE}},
            }
        )
    )
    return Subscriber(connection)


async def _until_all(subscribers: list[Subscriber], order: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not all(order in s.received for s in subscribers):
        if time.monotonic() > deadline:
            missing = sum(order not in s.received for s in subscribers)
            raise RuntimeError(f"{missing} subscribers never received order {order}")
        await asyncio.sleep(0.002)


async def measure(server: Server) -> dict[str, Any]:
    url = server.base_url.replace("http", "ws", 1) + "/graphql"
    async with (
        httpx.AsyncClient(base_url=server.base_url, timeout=60) as client,
        AsyncExitStack() as stack,
    ):
        token = (await _gql(client, LOGIN, {}))["login"]["accessToken"]
        product = await _gql(
            client,
            PRODUCT,
            {"input": {"storeId": STORE, "name": "벤치 라떼", "price": 5000}},
            token,
        )
        product_id = product["createProduct"]["product"]["id"]
        subscribers = [await _subscriber(stack, url, token) for _ in range(SUBSCRIBERS)]
        readers = [asyncio.create_task(s.read()) for s in subscribers]

        async def order(key: str) -> tuple[str, float, float]:
            variables = {
                "input": {
                    "storeId": STORE,
                    "channel": "IN_STORE",
                    "lines": [{"productId": product_id, "quantity": 1}],
                    "idempotencyKey": key,
                }
            }
            sent = time.perf_counter()
            answer = await _gql(client, ORDER, variables, token)
            return answer["createOrder"]["order"]["id"], sent, time.perf_counter()

        # warm-up: every subscription has started once all have heard of one order
        for attempt in range(20):
            warm, _, _ = await order(f"warm-{secrets.token_hex(4)}")
            try:
                await _until_all(subscribers, warm, timeout=3)
                break
            except RuntimeError:
                if attempt == 19:
                    raise
        after_answer, end_to_end, spreads, round_trips = [], [], [], []
        for _ in range(ORDERS):
            order_id, sent, answered = await order(f"bench-{secrets.token_hex(6)}")
            await _until_all(subscribers, order_id)
            times = [s.received[order_id] for s in subscribers]
            after_answer += [max(t - answered, 0.0) * 1000 for t in times]
            end_to_end += [(t - sent) * 1000 for t in times]
            spreads.append((max(times) - min(times)) * 1000)
            round_trips.append((answered - sent) * 1000)
        duplicates = sum(s.duplicates for s in subscribers)
        for reader in readers:
            reader.cancel()
        return {
            "after_answer": after_answer,
            "end_to_end": end_to_end,
            "spread": spreads,
            "round_trip": round_trips,
            "duplicates": duplicates,
        }


@contextmanager
def _demo_server(backend: str) -> Iterator[Server]:
    os.environ["DANGOL_RUN_JOBS"] = "false"
    if backend == "sqlite":
        with running_server() as server:
            yield server
        return
    name = f"dangol_bench_live_{os.getpid()}"
    base = POSTGRES.rpartition("/")[0]
    asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
    try:
        environment = {
            "DATABASE_URL": f"{base}/{name}",
            **{
                k: secrets.token_urlsafe(48)
                for k in ("DANGOL_JWT_SECRET", "DANGOL_PII_KEY", "DANGOL_BLIND_INDEX_KEY")
            },
            "DANGOL_RUN_JOBS": "false",
        }
        subprocess.run(
            [_python(), "-m", "app", "seed-demo"],
            cwd=ROOT,
            env={**os.environ, **environment},
            check=True,
            capture_output=True,
            timeout=300,
        )
        with running_server(environment) as server:
            yield server
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run() -> None:
    print(
        f"  {SUBSCRIBERS} subscribers (one WebSocket each) of orderEvents(store 1), {ORDERS} "
        "orders one at a time; client and server share this machine's cores"
    )
    header = f"  {'database':<10} {'figure (ms)':<34} {'p50':>8} {'p99':>8} {'max':>8}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for backend in ("sqlite", "postgres"):
        try:
            with _demo_server(backend) as server:
                found = asyncio.run(measure(server))
        except Exception as exc:  # a missing PostgreSQL should not hide the SQLite figures
            print(f"  {backend:<10} not measured: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        for label, key in (
            ("createOrder round trip", "round_trip"),
            ("fan-out: answer -> each subscriber", "after_answer"),
            ("end to end: request -> subscriber", "end_to_end"),
            ("spread: first -> last subscriber", "spread"),
        ):
            values = found[key]
            print(
                f"  {backend:<10} {label:<34} {percentile(values, 50):>8.1f} "
                f"{percentile(values, 99):>8.1f} {max(values):>8.1f}"
            )
        print(f"  {backend:<10} events received more than once: {found['duplicates']}")
