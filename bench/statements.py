"""Statements per request of the benchmarked paths (issue 9): deterministic, so they compare
across runs and machines where times do not.

In process, on a throw-away SQLite database with the demo data (built as the tests build theirs),
through an ``httpx.ASGITransport`` client: the counter (customerByPhone, createOrder, four
advanceOrder) as bench/counter.py drives it, a customers page by visits and the page after it
at 20 and at 50 rows, and pointsDashboard (tests/speed/paths.py). ``--profile`` adds cProfile of
30 counter paths, by own time.
"""

from __future__ import annotations

import asyncio
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from httpx import ASGITransport, AsyncClient

if TYPE_CHECKING:
    from tests.client import Api

COUNTER_PATHS = 30


async def _measure(profile: bool) -> None:
    from app.main import create_app
    from tests.client import Api
    from tests.conftest import _build_template, base_settings
    from tests.speed import paths

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'statements.sqlite3'}"
        await _build_template(url)
        app = create_app(base_settings(url))
        async with app.router.lifespan_context(app):
            transport = ASGITransport(app=app)
            async with AsyncClient(transport=transport, base_url="http://bench") as client:
                api = Api(client)
                token = await api.token("owner1@dangol.test")
                phones, products = await paths.counter_store(api, token, customers=60)
                counter = paths.Requests()
                await paths.counter(api, token, phones[0], products, counter)
                pages = {first: paths.Requests() for first in (20, 50)}
                for first, requests in pages.items():
                    await paths.customer_pages(api, token, requests, first=first)
                board = paths.Requests()
                await paths.dashboard(api, token, board)
                print("statements per request (in process, SQLite, demo data):")
                total = 0
                for name, count in counter.counts().items():
                    total += count
                    print(f"  {name:<28} {count:>4}")
                print(f"  {'counter path, all six':<28} {total:>4}")
                for first, requests in pages.items():
                    for name, count in requests.counts().items():
                        print(f"  {name + f' ({first} rows)':<28} {count:>4}")
                for name, count in board.counts().items():
                    print(f"  {name:<28} {count:>4}")
                if profile:
                    await _profile(api, token, phones, products)


async def _profile(api: Api, token: str, phones: list[str], products: list[str]) -> None:
    from tests.speed import paths

    async def paths_run(offset: int) -> float:
        started = time.perf_counter()
        for n in range(offset, offset + COUNTER_PATHS):
            await paths.counter(api, token, phones[n % len(phones)], products, paths.Requests())
        return (time.perf_counter() - started) * 1000 / COUNTER_PATHS

    plain = await paths_run(0)
    profiler = cProfile.Profile()
    profiler.enable()
    profiled = await paths_run(COUNTER_PATHS)
    profiler.disable()
    print(
        f"\n{COUNTER_PATHS} counter paths in process: {plain:.1f} ms each "
        f"({profiled:.1f} ms under cProfile)"
    )
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(35)
    print(out.getvalue())


def run() -> None:
    asyncio.run(_measure("--profile" in sys.argv))


if __name__ == "__main__":
    run()
