"""On PostgreSQL a pooled connection goes back to the pool without asyncpg's reset query, a round
trip per statement, and is kept at hand for the next statement (core/postgres.py); what a release
must still do, it does."""

from __future__ import annotations

import asyncio
import time
from contextlib import AsyncExitStack
from typing import Any

import asyncpg
import pytest

from core.database import connection, write_transaction
from core.postgres import KeptConnections, PooledPostgresClient
from models.throttling import RateCounter
from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.usefixtures("app"),
    pytest.mark.skipif(BACKEND != "postgres", reason="the pool is asyncpg's"),
]


class Failed(Exception):
    pass


async def _every_pooled_connection(stack: AsyncExitStack) -> list[asyncpg.Connection]:
    client = connection()
    assert isinstance(client, PooledPostgresClient) and client._pool is not None
    pool = client._pool
    return [await stack.enter_async_context(pool.acquire()) for _ in range(pool.get_max_size())]


async def test_a_release_sends_nothing_to_the_server() -> None:
    # given a session setting made on every pooled connection
    async with AsyncExitStack() as stack:
        for raw in await _every_pooled_connection(stack):
            await raw.execute("SET application_name = 'set before the release'")
    # when they have been released and are taken again
    async with AsyncExitStack() as stack:
        again = await _every_pooled_connection(stack)
        names = [await raw.fetchval("SHOW application_name") for raw in again]
        for raw in again:
            await raw.execute("RESET application_name")
    # then the setting is still there: no reset query (RESET ALL among others) ran
    assert names == ["set before the release"] * len(again)


async def test_a_transaction_that_fails_leaves_its_connection_outside_any_transaction() -> None:
    # given a transaction that wrote and then failed
    with pytest.raises(Failed):
        async with write_transaction():
            await RateCounter.create(bucket="rolled back", window_start=0, count=1)
            raise Failed
    # then every pooled connection is outside a transaction, and none sees the write
    async with AsyncExitStack() as stack:
        pooled = await _every_pooled_connection(stack)
        assert not any(raw.is_in_transaction() for raw in pooled)
        counts = [
            await raw.fetchval("SELECT COUNT(*) FROM rate_counter WHERE bucket = 'rolled back'")
            for raw in pooled
        ]
    assert counts == [0] * len(pooled)
    assert await RateCounter.filter(bucket="rolled back").count() == 0


def _kept() -> KeptConnections:
    client = connection()
    assert isinstance(client, PooledPostgresClient) and client._pool is not None
    pool = client._pool
    assert isinstance(pool, KeptConnections)
    return pool


class _CountedAcquires:
    """asyncpg's pool, its ``acquire`` counted."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.calls = 0
        self._pool = pool

    def acquire(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return self._pool.acquire(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


async def test_statements_one_after_another_take_no_connection_from_asyncpg(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a statement run once, and asyncpg's acquire counted from then on
    await connection().execute_query("SELECT 1")
    pool = _kept()
    counted = _CountedAcquires(pool.pool)
    monkeypatch.setattr(pool, "pool", counted)
    # when statements outside a transaction follow one another
    pids = {
        row["pid"]
        for _ in range(20)
        for row in (await connection().execute_query_dict("SELECT pg_backend_pid() AS pid"))
    }
    # then each took the connection the one before gave back
    assert counted.calls == 0
    assert len(pids) == 1


async def test_statements_waiting_for_a_connection_get_one_given_back() -> None:
    # given more statements at once than the pool has connections
    size = _kept().get_max_size()
    # when they all run (a connection given back while others wait goes to a waiter, not aside)
    done = await asyncio.wait_for(
        asyncio.gather(
            *(connection().execute_query("SELECT pg_sleep(0.02)") for _ in range(3 * size))
        ),
        timeout=30,
    )
    # then
    assert len(done) == 3 * size
    assert await connection().execute_query_dict("SELECT 1 AS one") == [{"one": 1}]


async def test_a_cancelled_statement_leaves_no_busy_connection_at_hand() -> None:
    # given a statement cancelled while the server runs it
    running = asyncio.create_task(connection().execute_query("SELECT pg_sleep(10)"))
    await asyncio.sleep(0.3)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    # when statements follow at once, one after another and side by side
    started = time.monotonic()
    one_by_one = [await connection().execute_query_dict("SELECT 2 AS two") for _ in range(5)]
    side_by_side = await asyncio.gather(
        *(connection().execute_query_dict("SELECT 3 AS three") for _ in range(5))
    )
    # then each ran on a connection free to run it, without waiting for the cancelled one
    assert one_by_one == [[{"two": 2}]] * 5
    assert side_by_side == [[{"three": 3}]] * 5
    assert time.monotonic() - started < 5


async def test_a_connection_given_back_in_a_transaction_is_not_kept() -> None:
    # given a connection given back with a transaction open on it
    pool = _kept()
    raw = await pool.acquire()
    await raw.execute("BEGIN")
    await raw.execute("SET LOCAL application_name = 'inside'")
    await pool.release(raw)
    # then no connection taken afterwards is in a transaction
    async with AsyncExitStack() as stack:
        pooled = await _every_pooled_connection(stack)
        assert not any(raw.is_in_transaction() for raw in pooled)
