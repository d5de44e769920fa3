"""A small closed-loop load generator: a fixed number of requests from a fixed
number of keep-alive connections, bounded in count and in time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class LoadResult:
    label: str
    requests: int  # completed (answered) requests
    failures: int  # transport errors, non-200 answers, or GraphQL errors in the body
    seconds: float
    latencies_s: list[float]
    stopped_early: bool

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def percentile_ms(self, q: float) -> float:
        if not self.latencies_s:
            return float("nan")
        ordered = sorted(self.latencies_s)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))
        return ordered[index] * 1000


async def run_load(
    label: str,
    method: str,
    url: str,
    *,
    requests: int,
    concurrency: int,
    warmup: int = 0,
    max_seconds: float = 60.0,
    json: Any = None,
    headers: Mapping[str, str] | None = None,
    graphql: bool = False,
) -> LoadResult:
    """Send ``warmup`` then ``requests`` requests from ``concurrency`` workers,
    one keep-alive connection each; stop issuing after ``max_seconds``."""
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(
        limits=limits, timeout=REQUEST_TIMEOUT_S, headers=dict(headers or {})
    ) as client:
        request = client.build_request(method, url, json=json)

        async def phase(count: int, deadline: float) -> tuple[list[float], int, int, bool]:
            latencies: list[float] = []
            failures = 0
            issued = 0
            stopped = False

            async def worker() -> None:
                nonlocal issued, failures, stopped
                while issued < count:
                    if time.perf_counter() > deadline:
                        stopped = True
                        return
                    issued += 1
                    start = time.perf_counter()
                    try:
                        response = await client.send(request)
                        ok = response.status_code == 200 and not (
                            graphql and b'"errors"' in response.content
                        )
                    except httpx.HTTPError:
                        ok = False
                    latencies.append(time.perf_counter() - start)
                    if not ok:
                        failures += 1

            await asyncio.gather(*(worker() for _ in range(concurrency)))
            return latencies, failures, len(latencies), stopped

        if warmup:
            await phase(warmup, time.perf_counter() + max_seconds)
        started = time.perf_counter()
        latencies, failures, done, stopped = await phase(requests, started + max_seconds)
        elapsed = time.perf_counter() - started
    return LoadResult(label, done, failures, elapsed, latencies, stopped)
