"""Issue 12 at scale: every analytics field of store 1 (100,000 customers, 1,000,000 orders)
in a commercial area of 1,000 stores, on SQLite and PostgreSQL, against a real server.

The store is the cached one of bench/dataset.py; a derived cache adds what analytics need:
the store's rollups rebuilt from its raw rows (``resolvers.analytics.rollups.rebuild_store``)
and 999 neighbours with two years of daily rollups (``app/area.py``). Each field is asked
100 times (10 warm-up) by one client, so the figures are latencies, not a load; beside each,
the same answer computed from the raw rows in SQL (aiosqlite or asyncpg directly), its
time, and whether the two answers agree.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import dataset
from bench.dataset import DATA, STORE_ID, _build, _cached, _name, _pg, _pg_url, _secrets
from bench.load import LoadResult
from bench.raw import RawDb
from bench.server import ROOT, _python, running_server
from bench.workload import closed_loop, gql, machine_note, owner_client

AREA_STORES = 1_000
REQUESTS = 100
WARMUP = 10
SEOUL = ZoneInfo("Asia/Seoul")
STORE = base64.b64encode(f"Store:{STORE_ID}".encode()).decode()


def _derived_name() -> str:
    return f"analytics_{_name()}_a{AREA_STORES}"


def _derived_url(backend: str) -> str:
    if backend == "sqlite":
        return f"sqlite://{DATA / f'sqlite-{_derived_name()}.sqlite3'}"
    return _pg_url(f"dangol_bench_{_derived_name()}")


def _marker(backend: str) -> Path:
    return DATA / f"{backend}-{_derived_name()}.json"


def _ready(backend: str) -> dict[str, Any]:
    """The derived cache, built from the base one when missing."""
    if _marker(backend).exists() and (
        backend == "postgres" or Path(_derived_url(backend).removeprefix("sqlite://")).exists()
    ):
        return dict(json.loads(_marker(backend).read_text()))
    if _cached(backend, _name()) is None:
        _build(backend, dataset.CUSTOMERS, dataset.ORDERS)
    url = _derived_url(backend)
    if backend == "sqlite":
        source = Path(dataset._cached_url(backend).removeprefix("sqlite://"))
        target = Path(url.removeprefix("sqlite://"))
        shutil.copyfile(source, target)
        for suffix in ("-wal", "-shm"):
            Path(str(target) + suffix).unlink(missing_ok=True)
            if Path(str(source) + suffix).exists():
                shutil.copyfile(str(source) + suffix, str(target) + suffix)
    else:
        name = f"dangol_bench_{_derived_name()}"
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        asyncio.run(_pg(f'CREATE DATABASE "{name}" TEMPLATE "dangol_bench_{_name()}"'))
    print(f"  building the analytics cache on {backend} (rollups, {AREA_STORES:,} stores) ...")
    env = {**os.environ, **_secrets(), "DATABASE_URL": url, "DANGOL_ENV": "development"}
    subprocess.run(
        [_python(), "-m", "bench.analytics", "build", backend],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=3600,
    )
    info = dict(json.loads(_marker(backend).read_text()))
    print(
        f"  rollups rebuilt in {info['rebuild_seconds']:.1f} s, "
        f"{info['neighbours']:,} neighbours in {info['area_seconds']:.1f} s",
        flush=True,
    )
    return info


async def _build_here(backend: str) -> None:
    from app.area import generate_area
    from core.database import apply_migrations, close_database, open_database
    from core.settings import load_settings
    from resolvers.analytics.rollups import rebuild_store

    settings = load_settings()
    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        started = time.perf_counter()
        await rebuild_store(STORE_ID)
        rebuilt = time.perf_counter() - started
        started = time.perf_counter()
        added = await generate_area(store_id=STORE_ID, stores=AREA_STORES, days=730)
        area = time.perf_counter() - started
    finally:
        await close_database()
    _marker(backend).write_text(
        json.dumps({"rebuild_seconds": rebuilt, "neighbours": added, "area_seconds": area})
    )


@contextmanager
def _working_copy(backend: str) -> Iterator[str]:
    if backend == "sqlite":
        source = Path(_derived_url(backend).removeprefix("sqlite://"))
        target = DATA / f"work-analytics-{os.getpid()}.sqlite3"
        shutil.copyfile(source, target)
        if Path(str(source) + "-wal").exists():
            shutil.copyfile(str(source) + "-wal", str(target) + "-wal")
        try:
            yield f"sqlite://{target}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        return
    name = f"dangol_bench_work_analytics_{os.getpid()}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}" TEMPLATE "dangol_bench_{_derived_name()}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- the fields and their raw twins -------------------------------------------------------------


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    begin = datetime.combine(start, datetime.min.time(), SEOUL).astimezone(UTC)
    finish = datetime.combine(end + timedelta(days=1), datetime.min.time(), SEOUL).astimezone(UTC)
    return begin, finish


def _periods() -> dict[str, Any]:
    today = datetime.now(SEOUL).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    month = (last_month_end.replace(day=1), last_month_end)
    thirty = (today - timedelta(days=29), today)
    return {"today": today, "month": month, "thirty": thirty}


def _p(span: tuple[date, date]) -> dict[str, str]:
    return {"from": span[0].isoformat(), "to": span[1].isoformat()}


COMPLETED = "status = 'COMPLETED'"


async def _raw_today(db: RawDb, p: dict[str, Any]) -> str:
    lo, hi = _bounds(p["today"], p["today"])
    [(n, s)] = await db.fetch(
        0,
        'SELECT COUNT(*), COALESCE(SUM(total - refunded_amount), 0) FROM "order" '
        f"WHERE store_id = $1 AND {COMPLETED} AND completed_at >= $2 AND completed_at < $3",
        STORE_ID,
        db.at(lo),
        db.at(hi),
    )
    return f"orders {n}, sales {s}"


async def _raw_patterns(db: RawDb, p: dict[str, Any]) -> str:
    lo, hi = _bounds(*p["thirty"])
    rows = await db.fetch(
        0,
        f'SELECT completed_at FROM "order" WHERE store_id = $1 AND {COMPLETED} '
        "AND completed_at >= $2 AND completed_at < $3",
        STORE_ID,
        db.at(lo),
        db.at(hi),
    )
    hours = [0] * 24
    for (at,) in rows:
        moment = at if isinstance(at, datetime) else datetime.fromisoformat(str(at))
        hours[moment.astimezone(SEOUL).hour] += 1
    return f"orders {sum(hours)}, busiest hour {hours.index(max(hours))}"


async def _raw_kpis(db: RawDb, p: dict[str, Any]) -> str:
    lo, hi = _bounds(*p["month"])
    [(visitors, revisitors, visits)] = await db.fetch(
        0,
        "SELECT COUNT(*), SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END), SUM(n) FROM ("
        'SELECT customer_id, COUNT(*) AS n FROM "order" WHERE store_id = $1 '
        f"AND {COMPLETED} AND customer_id IS NOT NULL AND completed_at >= $2 AND completed_at < $3 "
        "GROUP BY customer_id) AS v",
        STORE_ID,
        db.at(lo),
        db.at(hi),
    )
    return f"visits {visits}, revisit rate {int(revisitors) / int(visitors):.4f}"


async def _raw_benchmark(db: RawDb, p: dict[str, Any]) -> str:
    return (await _raw_kpis(db, p)).split(",")[0] + " (the area's are rollups only)"


async def _raw_insights(db: RawDb, p: dict[str, Any]) -> str:
    line = datetime.combine(p["today"] - timedelta(days=29), datetime.min.time(), SEOUL)
    [(n,)] = await db.fetch(
        0,
        "SELECT COUNT(*) FROM customer WHERE store_id = $1 AND last_visit_at < $2 "
        "AND (visit_count >= 10 OR total_paid >= 300000)",
        STORE_ID,
        db.at(line.astimezone(UTC)),
    )
    return f"DORMANT_REGULARS ({n}) (customers table)"


async def _raw_first_visits(db: RawDb, p: dict[str, Any]) -> str:
    lo, hi = _bounds(*p["month"])
    [(first, converted)] = await db.fetch(
        0,
        'SELECT COUNT(*), SUM(CASE WHEN EXISTS (SELECT 1 FROM "order" r WHERE '
        "r.customer_id = f.customer_id AND r.status = 'COMPLETED' "
        "AND r.completed_at > f.completed_at "
        "AND r.completed_at <= f.completed_at + INTERVAL_30) THEN 1 ELSE 0 END) "
        "FROM \"order\" f WHERE f.store_id = $1 AND f.status = 'COMPLETED' "
        "AND f.completed_at >= $2 AND f.completed_at < $3 "
        "AND f.is_first_visit = $4".replace(
            "f.completed_at + INTERVAL_30",
            "datetime(f.completed_at, '+30 days') || '+00:00'"
            if db.sqlite
            else "f.completed_at + interval '30 days'",
        ),
        STORE_ID,
        db.at(lo),
        db.at(hi),
        True,
    )
    return f"first-timers {first}, converted {converted}"


async def _raw_staff(db: RawDb, p: dict[str, Any]) -> str:
    lo, hi = _bounds(*p["month"])
    rows = await db.fetch(
        0,
        f'SELECT completed_by_id, COUNT(*) FROM "order" WHERE store_id = $1 AND {COMPLETED} '
        "AND completed_at >= $2 AND completed_at < $3 GROUP BY completed_by_id ORDER BY 2 DESC",
        STORE_ID,
        db.at(lo),
        db.at(hi),
    )
    return "orders " + "/".join(str(n) for _, n in rows)


async def _raw_tiers(db: RawDb, p: dict[str, Any]) -> str:
    return (await _raw_kpis(db, p)).split(",")[0] + " (no tiers: all without one)"


def _fields() -> list[
    tuple[
        str,
        str,
        Callable[..., dict[str, Any]],
        Callable[[dict[str, Any]], str],
        Callable[[RawDb, dict[str, Any]], Awaitable[str]],
    ]
]:
    def a(data: dict[str, Any]) -> Any:
        return data["store"]["analytics"]

    return [
        (
            "today",
            "today { orders sales averageTicket topItems { name quantity } }",
            lambda p: {},
            lambda d: f"orders {a(d)['today']['orders']}, sales {a(d)['today']['sales']}",
            _raw_today,
        ),
        (
            "orderPatterns (30 days)",
            "orderPatterns(period: $p) { byHour { hour orders } byWeekdayHour { orders } }",
            lambda p: {"p": _p(p["thirty"])},
            lambda d: _patterns_answer(a(d)["orderPatterns"]),
            _raw_patterns,
        ),
        (
            "kpis (last month)",
            "kpis(period: $p) { visits { value previous } revisitRate { value previous } "
            "newCustomers { value } pointsIssued { value } pointsUsed { value } "
            "rewardsIssued { value } }",
            lambda p: {"p": _p(p["month"])},
            lambda d: (
                f"visits {a(d)['kpis']['visits']['value']}, revisit rate "
                f"{a(d)['kpis']['revisitRate']['value']:.4f}"
            ),
            _raw_kpis,
        ),
        (
            "areaBenchmark (last month)",
            "areaBenchmark(period: $p) { storesInArea visits { value areaAverage topPercent } "
            "revisitRate { value areaAverage topPercent } }",
            lambda p: {"p": _p(p["month"])},
            lambda d: _benchmark_answer(a(d)["areaBenchmark"]),
            _raw_benchmark,
        ),
        (
            "insights",
            "insights { key score suggestedAction { audienceSize } }",
            lambda p: {},
            lambda d: _insights_answer(a(d)["insights"]),
            _raw_insights,
        ),
        (
            "firstVisits (last month)",
            "firstVisits(period: $p) { firstTimeCustomers converted amountDistribution { orders } "
            "topProducts { name } boughtTogether { orders lift } }",
            lambda p: {"p": _p(p["month"])},
            lambda d: (
                f"first-timers {a(d)['firstVisits']['firstTimeCustomers']}, "
                f"converted {a(d)['firstVisits']['converted']}"
            ),
            _raw_first_visits,
        ),
        (
            "staffPerformance (last month)",
            "staffPerformance(period: $p) { ordersHandled firstTimeCustomersServed returned }",
            lambda p: {"p": _p(p["month"])},
            lambda d: (
                "orders " + "/".join(str(s["ordersHandled"]) for s in a(d)["staffPerformance"])
            ),
            _raw_staff,
        ),
        (
            "byTier (last month)",
            "byTier(period: $p) { name members visits sales }",
            lambda p: {"p": _p(p["month"])},
            lambda d: f"visits {sum(t['visits'] for t in a(d)['byTier'])}",
            _raw_tiers,
        ),
    ]


def _patterns_answer(found: dict[str, Any]) -> str:
    hours = [h["orders"] for h in found["byHour"]]
    return f"orders {sum(hours)}, busiest hour {hours.index(max(hours))}"


def _benchmark_answer(found: dict[str, Any]) -> str:
    visits, rate = found["visits"], found["revisitRate"]
    return (
        f"visits {int(visits['value'])} (area avg {visits['areaAverage']:.0f}, top "
        f"{visits['topPercent']:.1f}%), revisit {rate['value']:.3f} vs {rate['areaAverage']:.3f}"
        f" of {found['storesInArea']} stores"
    )


def _insights_answer(found: list[dict[str, Any]]) -> str:
    found = [i for i in found if i["key"] == "DORMANT_REGULARS"] or found
    return (
        ", ".join(f"{i['key']} ({i['suggestedAction']['audienceSize']})" for i in found) or "none"
    )


async def _measure(
    base_url: str, database_url: str
) -> list[tuple[str, LoadResult, str, str, float]]:
    client = await owner_client(base_url)
    db = await RawDb.open(database_url, 1)
    periods = _periods()
    results = []
    try:
        for label, selection, variables, answer_of, raw in _fields():
            needs_period = "$p" in selection
            head = (
                "query($id: ID!, $p: AnalyticsPeriodInput!)" if needs_period else "query($id: ID!)"
            )
            document = f"{head} {{ store(id: $id) {{ analytics {{ {selection} }} }} }}"
            values = {"id": STORE, **variables(periods)}
            answer = answer_of(await gql(client, "/graphql", document, values))

            async def call(
                w: int, n: int, document: str = document, values: dict[str, Any] = values
            ) -> None:
                await gql(client, "/graphql", document, values)

            result = await closed_loop(
                label, call, count=REQUESTS, concurrency=1, warmup=WARMUP, max_seconds=60.0
            )
            started = time.perf_counter()
            raw_answer = await raw(db, periods)
            raw_ms = (time.perf_counter() - started) * 1000
            results.append((label, result, answer, raw_answer, raw_ms))
    finally:
        await db.close()
        await client.aclose()
    return results


def _print(backend: str, results: list[tuple[str, LoadResult, str, str, float]]) -> None:
    print(
        f"{backend}: store 1 of {dataset.CUSTOMERS:,} customers / {dataset.ORDERS:,} orders, "
        f"{AREA_STORES:,} stores in its area; {REQUESTS} requests per field, one client"
    )
    header = (
        f"  {'field':<30} {'p50 ms':>7} {'p99 ms':>7} {'fail':>4}  {'raw ms':>7}  "
        "answer (API = or | raw SQL)"
    )
    print(header)
    print("  " + "-" * (len(header) + 40))
    for label, result, answer, raw_answer, raw_ms in results:
        same = "=" if answer.split(" (")[0] == raw_answer.split(" (")[0] else "|"
        print(
            f"  {label:<30} {result.percentile_ms(50):>7.1f} {result.percentile_ms(99):>7.1f} "
            f"{result.failures:>4}  {raw_ms:>7.1f}  {answer} {same} {raw_answer}"
        )


def run() -> None:
    outputs = []
    for backend in ("sqlite", "postgres"):
        _ready(backend)
        with _working_copy(backend) as url:
            environment = {
                **_secrets(),
                "DATABASE_URL": url,
                "DANGOL_SEED_DEMO": "0",
                "DANGOL_RUN_JOBS": "false",
            }
            with running_server(environment) as server:
                outputs.append((backend, asyncio.run(_measure(server.base_url, url))))
    print(machine_note())
    for backend, results in outputs:
        print()
        _print(backend, results)


if __name__ == "__main__" and sys.argv[1:2] == ["build"]:
    asyncio.run(_build_here(sys.argv[2]))
