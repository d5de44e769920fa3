"""Issue 10: month close for 1,000 stores, and ``expectedSettlement`` on the 1M-order store.

1. Month close. A throw-away database (SQLite file; PostgreSQL database) with the demo data
   and 1,000 more stores, each in a running cup-holder campaign with 20 usage entries in the
   month and every tenth with a pending adjustment. ``close_months`` (the scheduled job) is
   timed once (1,000 statements issued), then again (nothing left to issue). Each backend runs
   in its own process (one Tortoise dialect per process).
2. ``expectedSettlement``. The generated store of bench/dataset.py (1M orders) after 100,000
   cup-holder usage entries are added to its current month in raw SQL: 50 requests (5 warm-up)
   of ``store(id) { expectedSettlement { netAmount lines { kind amount } } }`` from one client,
   on a real uvicorn process. The forecast reads no orders, so the order count does not weigh.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta

import asyncpg

from bench.dataset import POSTGRES, STORE_ID, bench_store
from bench.server import ROOT, _python
from bench.workload import closed_loop, gql, owner_client

STORES = 1_000
ENTRIES_PER_STORE = 20
USAGE_ROWS = 100_000
EXPECTED = """query($id: ID!) { store(id: $id) {
  expectedSettlement { netAmount cupHolderCost incentives lines { kind amount } } } }"""


async def _prepare_close(now: datetime) -> None:
    from app.demo import seed_demo
    from core.security import Passwords
    from core.settings import Settings
    from models.campaigns import CampaignEnrollment, CupHolderCampaign, CupHolderUsage
    from models.settlements import SettlementAdjustment
    from models.stores import Plan, Store, StoreCategory
    from resolvers.policies import install_default_policy
    from resolvers.settlements import current_month

    await install_default_policy()
    await seed_demo(Passwords(Settings(argon2_time_cost=1, argon2_memory_kib=64)))
    period = current_month(now, "Asia/Seoul")
    campaign = await CupHolderCampaign.create(
        name="bench",
        supply_item="컵홀더",
        unit_price=35,
        incentive_per_unit=5,
        starts_on=period.start,
        ends_on=period.end,
    )
    plans = list(Plan)
    await Store.bulk_create(
        [
            Store(
                name=f"bench store {n}",
                category=StoreCategory.CAFE,
                commercial_area="성수동",
                plan=plans[n % 3],
                created_at=period.starts_at,
            )
            for n in range(STORES)
        ],
        batch_size=500,
    )
    ids = list(await Store.filter(name__startswith="bench store ").values_list("id", flat=True))
    await Store.filter(id__in=ids).update(created_at=period.starts_at)
    await CampaignEnrollment.bulk_create(
        [CampaignEnrollment(campaign_id=campaign.id, store_id=i) for i in ids], batch_size=1000
    )
    step = (period.ends_at - period.starts_at) / (ENTRIES_PER_STORE + 1)
    await CupHolderUsage.bulk_create(
        [
            CupHolderUsage(
                campaign_id=campaign.id,
                store_id=i,
                units=10 + k,
                grade="SILVER",
                unit_price=35,
                unit_cost=11,
                incentive_per_unit=0,
                cost=11 * (10 + k),
                incentive=0,
                recorded_at=period.starts_at + step * (k + 1),
            )
            for i in ids
            for k in range(ENTRIES_PER_STORE)
        ],
        batch_size=2000,
    )
    await SettlementAdjustment.bulk_create(
        [
            SettlementAdjustment(
                store_id=i, amount=-1000, reason="bench", created_at=period.starts_at
            )
            for i in ids[::10]
        ]
    )


async def _close(database_url: str) -> None:
    from core.database import apply_migrations, close_database, open_database
    from resolvers.settlements import close_months, current_month

    now = datetime.now(UTC)
    await apply_migrations(database_url)
    await open_database(database_url)
    try:
        await _prepare_close(now)
        month_end = current_month(now, "Asia/Seoul").ends_at + timedelta(hours=1)
        started = time.perf_counter()
        issued = await close_months(month_end)
        first = time.perf_counter() - started
        started = time.perf_counter()
        again = await close_months(month_end)
        second = time.perf_counter() - started
    finally:
        await close_database()
    print(
        f"  close_months: {issued:,} statements in {first:.2f} s "
        f"({first / max(issued, 1) * 1000:.1f} ms a store); "
        f"second run: {again} issued in {second:.2f} s",
        flush=True,
    )


def _run_close(backend: str) -> None:
    print(f"-- month close, {STORES:,} stores x {ENTRIES_PER_STORE} usage entries, {backend}")
    with tempfile.TemporaryDirectory() as workdir:
        if backend == "sqlite":
            url = f"sqlite://{workdir}/close.sqlite3"
        else:
            name = f"dangol_bench_close_{os.getpid()}"
            asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}"'))
            asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
            url = POSTGRES.rpartition("/")[0] + "/" + name
        try:
            subprocess.run(
                [_python(), "-m", "bench.settlements", "close", url],
                cwd=ROOT,
                check=True,
                timeout=900,
            )
        finally:
            if backend == "postgres":
                asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _pg(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


INSERT_USAGE = """
INSERT INTO cup_holder_usage (campaign_id, store_id, units, grade, unit_price, unit_cost,
  incentive_per_unit, cost, incentive, note, recorded_at)
SELECT {campaign}, {store}, 3, 'PLATINUM', 35, 0, 5, 0, 15, 'bench', {at}
FROM {series}
"""


def _add_usage(backend: str, database_url: str) -> None:
    """100,000 usage entries of store 1 in the current month, in raw SQL."""
    now = datetime.now(UTC) - timedelta(minutes=1)
    if backend == "sqlite":
        import sqlite3

        db = sqlite3.connect(database_url.removeprefix("sqlite://"), timeout=30)
        campaign = db.execute("SELECT id FROM cup_holder_campaign ORDER BY id LIMIT 1").fetchone()
        db.execute(
            INSERT_USAGE.format(
                campaign=campaign[0],
                store=STORE_ID,
                at=f"'{now.isoformat()}'",
                series=f"(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                f"WHERE i < {USAGE_ROWS}) SELECT i FROM n)",
            )
        )
        db.commit()
        db.close()
        return

    async def insert() -> None:
        connection = await asyncpg.connect(database_url.replace("postgresql://", "postgres://"))
        try:
            campaign = await connection.fetchval(
                "SELECT id FROM cup_holder_campaign ORDER BY id LIMIT 1"
            )
            await connection.execute(
                INSERT_USAGE.format(
                    campaign=campaign,
                    store=STORE_ID,
                    at=f"'{now.isoformat()}'::timestamptz",
                    series=f"generate_series(1, {USAGE_ROWS})",
                )
            )
        finally:
            await connection.close()

    asyncio.run(insert())


def _run_expected(backend: str) -> None:
    print(f"-- expectedSettlement on the generated store (1M orders), {backend}")
    with bench_store(backend) as store:
        asyncio.run(_measure(store.server.url(""), "with the demo's usage (a few entries)"))
        _add_usage(backend, store.database_url)
        asyncio.run(_measure(store.server.url(""), f"with {USAGE_ROWS:,} more usage entries"))


async def _measure(base_url: str, label: str) -> None:
    client = await owner_client(base_url)
    variables = {"id": _gid("Store", STORE_ID)}
    try:
        sample = await gql(client, "/graphql", EXPECTED, variables)
        result = await closed_loop(
            "expectedSettlement",
            lambda w, n: gql(client, "/graphql", EXPECTED, variables),
            count=50,
            concurrency=1,
            warmup=5,
            max_seconds=60,
        )
    finally:
        await client.aclose()
    forecast = sample["store"]["expectedSettlement"]
    print(
        f"  {label}: {result.requests} requests, p50 {result.percentile_ms(50):.1f} ms, "
        f"p99 {result.percentile_ms(99):.1f} ms, failures {result.failures} "
        f"(net {forecast['netAmount']:,} won, incentives {forecast['incentives']:,} won)",
        flush=True,
    )


def _gid(type_name: str, pk: int) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


def run() -> None:
    backends = ["sqlite", "postgres"]
    for backend in backends:
        _run_close(backend)
    for backend in backends:
        _run_expected(backend)


if __name__ == "__main__" and sys.argv[1:2] == ["close"]:
    asyncio.run(_close(sys.argv[2]))
