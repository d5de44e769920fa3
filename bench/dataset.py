"""The generated store the benchmarks of issues 3 and 4 run on, cached per database.

    with bench_store("sqlite") as store:     # or "postgres"
        store.server.url("/graphql"), store.database_url, store.phone(k)

The first use per database generates store 1 of the demo data with
``DANGOL_BENCH_CUSTOMERS`` customers and ``DANGOL_BENCH_ORDERS`` orders
(100,000 and 1,000,000 by default) into ``bench/.data/`` (SQLite) or the
PostgreSQL database ``dangol_bench_c<customers>_o<orders>``, in a subprocess
(one Tortoise dialect per process), and records how long it took. Every run
then works on a copy (a file copy; ``CREATE DATABASE ... TEMPLATE``) so the
cache stays as generated; the copy is removed afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg

from bench.server import ROOT, Server, _python, running_server

DATA = ROOT / "bench" / ".data"
CUSTOMERS = int(os.environ.get("DANGOL_BENCH_CUSTOMERS", "100000"))
ORDERS = int(os.environ.get("DANGOL_BENCH_ORDERS", "1000000"))
POSTGRES = os.environ.get("DANGOL_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
STORE_ID = 1
SEED = 2026
BUILD_TIMEOUT_S = 1800.0


@dataclass(frozen=True)
class BenchStore:
    backend: str
    server: Server
    database_url: str
    environment: dict[str, str]
    generation_seconds: float
    generated_now: bool
    first_index: int
    customers: int = CUSTOMERS
    orders: int = ORDERS

    def phone(self, k: int) -> str:
        from app.generator import Spec, phone_of

        return phone_of(
            Spec(store_id=STORE_ID, customers=self.customers, orders=self.orders, seed=SEED),
            self.first_index + k,
        )


def _name(customers: int = CUSTOMERS, orders: int = ORDERS) -> str:
    return f"c{customers}_o{orders}"


def _pg_url(database: str) -> str:
    return POSTGRES.rpartition("/")[0] + "/" + database


def _secrets() -> dict[str, str]:
    path = DATA / "secrets.json"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        values = {
            k: secrets.token_urlsafe(48)
            for k in ("DANGOL_JWT_SECRET", "DANGOL_PII_KEY", "DANGOL_BLIND_INDEX_KEY")
        }
        path.write_text(json.dumps(values))
    return dict(json.loads(path.read_text()))


def _cached_url(backend: str, name: str | None = None) -> str:
    name = name or _name()
    if backend == "sqlite":
        return f"sqlite://{DATA / f'sqlite-{name}.sqlite3'}"
    return _pg_url(f"dangol_bench_{name}")


async def _pg(sql: str) -> Any:
    connection = await asyncpg.connect(POSTGRES)
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


def _marker(backend: str, name: str | None = None) -> Path:
    return DATA / f"{backend}-{name or _name()}.json"


def _cached(backend: str, name: str) -> dict[str, Any] | None:
    marker = _marker(backend, name)
    if not marker.exists():
        return None
    url = _cached_url(backend, name)
    if backend == "sqlite" and not Path(url.removeprefix("sqlite://")).exists():
        return None
    if backend == "postgres":
        rows = asyncio.run(_pg(f"SELECT 1 FROM pg_database WHERE datname = 'dangol_bench_{name}'"))
        if not rows:
            return None
    return dict(json.loads(marker.read_text()))


def _build(backend: str, customers: int, orders: int) -> dict[str, Any]:
    name = _name(customers, orders)
    url = _cached_url(backend, name)
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite://") + suffix).unlink(missing_ok=True)
    else:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "dangol_bench_{name}" WITH (FORCE)'))
        asyncio.run(_pg(f'CREATE DATABASE "dangol_bench_{name}"'))
    print(
        f"  generating {customers:,} customers and {orders:,} orders on {backend} "
        "(cached afterwards) ...",
        flush=True,
    )
    env = {
        **os.environ,
        **_secrets(),
        "DATABASE_URL": url,
        "DANGOL_ENV": "development",
        "DANGOL_BENCH_CUSTOMERS": str(customers),
        "DANGOL_BENCH_ORDERS": str(orders),
    }
    started = time.perf_counter()
    subprocess.run(
        [_python(), "-m", "bench.dataset", "build"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=BUILD_TIMEOUT_S,
    )
    info = dict(json.loads(_marker(backend, name).read_text()))
    print(
        f"  generated in {info['seconds']:.1f} s "
        f"(whole build with migrations: {time.perf_counter() - started:.1f} s)",
        flush=True,
    )
    return info


async def _build_here() -> None:
    from app.demo import seed_demo
    from app.generator import Spec, generate
    from core.database import apply_migrations, close_database, dialect, open_database
    from core.security import Passwords
    from core.settings import load_settings
    from resolvers.policies import install_default_policy

    settings = load_settings()
    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        await install_default_policy()
        await seed_demo(Passwords(settings))
        report = await generate(
            settings, Spec(store_id=STORE_ID, customers=CUSTOMERS, orders=ORDERS, seed=SEED)
        )
        backend = "postgres" if dialect() == "postgres" else "sqlite"
    finally:
        await close_database()
    info = {
        "seconds": report.seconds,
        "first_index": report.first_index,
        "lines": report.lines,
        "kinds": report.kinds,
    }
    _marker(backend).write_text(json.dumps(info))


@contextmanager
def _working_copy(backend: str, cached: str) -> Iterator[str]:
    if backend == "sqlite":
        source = Path(_cached_url(backend, cached).removeprefix("sqlite://"))
        target = DATA / f"work-{os.getpid()}.sqlite3"
        shutil.copyfile(source, target)
        if Path(str(source) + "-wal").exists():
            shutil.copyfile(str(source) + "-wal", str(target) + "-wal")
        try:
            yield f"sqlite://{target}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
        return
    name = f"dangol_bench_work_{os.getpid()}"
    asyncio.run(_pg(f'CREATE DATABASE "{name}" TEMPLATE "dangol_bench_{cached}"'))
    try:
        yield _pg_url(name)
    finally:
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def bench_store(
    backend: str, *, customers: int = CUSTOMERS, orders: int = ORDERS, workers: int = 1
) -> Iterator[BenchStore]:
    """The generated store of ``customers`` and ``orders`` (the sizes above by default), served
    by ``workers`` uvicorn processes."""
    name = _name(customers, orders)
    info = _cached(backend, name)
    generated_now = info is None
    if info is None:
        info = _build(backend, customers, orders)
    with _working_copy(backend, name) as url:
        # The scheduled jobs (point expiry, tier evaluation) belong to `worker`: off in the
        # measured server.
        environment = {
            **_secrets(),
            "DATABASE_URL": url,
            "DANGOL_SEED_DEMO": "0",
            "DANGOL_RUN_JOBS": "false",
        }
        with running_server(environment, workers=workers) as server:
            yield BenchStore(
                backend,
                server,
                url,
                environment,
                float(info["seconds"]),
                generated_now,
                int(info["first_index"]),
                customers,
                orders,
            )


if __name__ == "__main__" and sys.argv[1:] == ["build"]:
    asyncio.run(_build_here())
