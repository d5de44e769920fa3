"""Every test runs against a real database: SQLite by default, PostgreSQL with
``DANGOL_TEST_BACKEND=postgres`` (and ``DANGOL_TEST_POSTGRES_URL``); `make test`
runs the suite once on each. One process serves one dialect, because Tortoise
caches its SQL per connection name. The schema, the default policy and the demo
data are built once per worker into a template; each test gets its own copy.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette

from app.demo import seed_demo
from app.main import create_app
from core.database import apply_migrations, close_database, open_database
from core.security import Passwords
from core.settings import Settings
from resolvers.policies import install_default_policy
from tests.client import Api
from tests.serving import served

POSTGRES_URL = os.environ.get("DANGOL_TEST_POSTGRES_URL")
BACKEND = os.environ.get("DANGOL_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgres") or (BACKEND == "postgres" and not POSTGRES_URL):
    raise RuntimeError("DANGOL_TEST_BACKEND=postgres needs DANGOL_TEST_POSTGRES_URL")
# Unique per test process, so that concurrent runs never share or drop each other's databases.
SESSION = f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')}_{os.getpid()}"
_counter = itertools.count()


def base_settings(database_url: str) -> Settings:
    return Settings(
        env="test",
        database_url=database_url,
        jwt_secret="test-jwt-secret-" + "x" * 32,
        pii_key="test-pii-key-" + "y" * 32,
        blind_index_key="test-blind-index-key-" + "z" * 32,
        argon2_time_cost=1,
        argon2_memory_kib=64,
        seed_demo=False,
        run_jobs=False,
    )


async def _build_template(database_url: str) -> None:
    await apply_migrations(database_url)
    await open_database(database_url)
    try:
        await install_default_policy()
        await seed_demo(Passwords(base_settings(database_url)))
    finally:
        await close_database()


def _pg_url(name: str) -> str:
    assert POSTGRES_URL
    base, _, _ = POSTGRES_URL.rpartition("/")
    return f"{base}/{name}"


async def _pg_admin(sql: str) -> None:
    connection = await asyncpg.connect(POSTGRES_URL)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    asyncio.run(_build_template(f"sqlite://{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    name = f"dangol_tpl_{SESSION}"
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
    asyncio.run(_build_template(_pg_url(name)))
    yield name
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if BACKEND == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        copy = tmp_path / "test.sqlite3"
        shutil.copy(template, copy)
        yield f"sqlite://{copy}"
        return
    template = request.getfixturevalue("postgres_template")
    name = f"dangol_t_{SESSION}_{next(_counter)}"
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    yield _pg_url(name)
    asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def settings(database_url: str) -> Settings:
    return base_settings(database_url)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[Starlette]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def api(app: Starlette) -> AsyncIterator[Api]:
    transport = ASGITransport(app=app, client=("203.0.113.7", 40000))
    async with AsyncClient(transport=transport, base_url="http://dangol.test") as client:
        yield Api(client)


@pytest.fixture
async def live_url(app: object) -> AsyncIterator[str]:
    """The app on a real socket (uvicorn in this event loop), for WebSocket clients."""
    async with served(app) as url:
        yield url


def with_settings(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)


@pytest.fixture(autouse=True)
def _answers_keep_their_unions(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail any test in which a mutation answered with an error its union does not list."""
    caplog.set_level(logging.ERROR, logger="dangol.contract")
    yield
    unlisted = [r.getMessage() for r in caplog.records if r.name == "dangol.contract"]
    assert not unlisted, f"errors outside their mutation's union: {unlisted}"
