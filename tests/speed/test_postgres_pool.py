"""On PostgreSQL a pooled connection goes back to the pool without asyncpg's reset query, a round
trip per statement (core/postgres.py); what a release must still do, it does."""

from __future__ import annotations

from contextlib import AsyncExitStack

import asyncpg
import pytest

from core.database import connection, write_transaction
from core.postgres import PooledPostgresClient
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
