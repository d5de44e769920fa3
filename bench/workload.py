"""Closed-loop workloads whose every call differs (a phone, a cursor, an order), GraphQL
helpers, and the API-beside-raw-SQL table the benchmarks of issues 3 and 4 print."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from bench.client import ApiClient
from bench.load import LoadResult

LOGIN = """mutation($e: String!, $p: String!) { login(input: {email: $e, password: $p}) {
  __typename ... on SessionTokens { accessToken } } }"""
OWNER = ("owner1@dangol.test", "dangol-demo")

# `serve` runs one process per core (app/cli.default_workers); benchmarks show 1 and that many.
WORKERS = os.cpu_count() or 1


class GraphQLError(RuntimeError):
    pass


async def gql(
    client: ApiClient, url: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    status, content = await client.post_json(url, {"query": query, "variables": variables or {}})
    body = orjson.loads(content)
    if status != 200 or body.get("errors"):
        raise GraphQLError(f"{status}: {str(body)[:400]}")
    return dict(body["data"])


async def owner_client(base_url: str) -> ApiClient:
    """Signed in as the demo owner; a connection per caller at once."""
    client = ApiClient(base_url)
    data = await gql(client, "/graphql", LOGIN, {"e": OWNER[0], "p": OWNER[1]})
    if data["login"]["__typename"] != "SessionTokens":
        raise GraphQLError(f"login failed: {data}")
    client.headers["Authorization"] = f"Bearer {data['login']['accessToken']}"
    return client


async def closed_loop(
    label: str,
    call: Callable[[int, int], Awaitable[Any]],
    *,
    count: int,
    concurrency: int = 8,
    warmup: int = 0,
    max_seconds: float = 45.0,
) -> LoadResult:
    """``call(worker, n)`` ``warmup`` then ``count`` times from ``concurrency`` workers; a raised
    exception is a failure. Stops issuing after ``max_seconds``."""
    issued = 0
    failures = 0
    stopped = False
    latencies: list[float] = []
    errors: list[str] = []

    async def phase(total: int, record: bool, deadline: float) -> None:
        async def worker(w: int) -> None:
            nonlocal issued, failures, stopped
            while issued < total:
                if time.perf_counter() > deadline:
                    stopped = True
                    return
                n = issued
                issued += 1
                start = time.perf_counter()
                try:
                    await call(w, n)
                    ok = True
                except Exception as exc:
                    ok = False
                    if len(errors) < 1:
                        errors.append(f"{type(exc).__name__}: {exc}"[:300])
                if record:
                    latencies.append(time.perf_counter() - start)
                    failures += 0 if ok else 1

        await asyncio.gather(*(worker(w) for w in range(concurrency)))

    if warmup:
        await phase(warmup, False, time.perf_counter() + max_seconds)
        issued = 0
    started = time.perf_counter()
    await phase(count, True, started + max_seconds)
    elapsed = time.perf_counter() - started
    if errors:
        print(f"    ({label}: first failure: {errors[0]})", flush=True)
    return LoadResult(label, len(latencies), failures, elapsed, latencies, stopped)


def machine_note() -> str:
    return (
        f"note: this machine has {os.cpu_count()} cores shared by the server, "
        "the load generator and the database; absolute rates understate a server; "
        "compare ratios and runs on this machine only."
    )


def print_pairs(
    title: str, pairs: list[tuple[LoadResult, LoadResult]], *, rate: str = "req/s"
) -> None:
    print(title)
    header = (
        f"  {'work':<34} {'path':<4} {'n':>6} {'fail':>4} {'time s':>7} {rate:>8} "
        f"{'p50 ms':>7} {'p99 ms':>7} {'API/raw p50':>11} {'raw/API rate':>12}"
    )
    print(header)
    print("  " + "-" * (len(header) - 2))
    for api, raw in pairs:
        for path, row in (("API", api), ("raw", raw)):
            flag = " (time bound)" if row.stopped_early else ""
            ratio = ""
            if path == "API":
                raw_p50 = raw.percentile_ms(50)
                ratio = f"{api.percentile_ms(50) / raw_p50:>10.1f}x" if raw_p50 > 0 else ""
                ratio += f" {raw.rps / api.rps:>11.1f}x" if api.rps > 0 else ""
            print(
                f"  {row.label if path == 'API' else '':<34} {path:<4} "
                f"{row.requests:>6} {row.failures:>4} {row.seconds:>7.2f} {row.rps:>8.1f} "
                f"{row.percentile_ms(50):>7.2f} {row.percentile_ms(99):>7.2f} {ratio:>11}{flag}"
            )
