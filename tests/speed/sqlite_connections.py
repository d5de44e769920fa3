"""Helpers of the tests of SQLite's connections (core/sqlite.py): the engine's client, the rate
counter rows the tests write, another request's write transaction held open, the log's size."""

from __future__ import annotations

import asyncio
import sqlite3

from core.database import connection, write_transaction
from core.sqlite import ImmediateSqliteClient
from models.throttling import RateCounter

WAIT = 10  # seconds: far beyond any statement or transaction of these tests


def sqlite_client() -> ImmediateSqliteClient:
    client = connection()
    assert isinstance(client, ImmediateSqliteClient)
    return client


async def buckets() -> list[str]:
    return sorted(row.bucket for row in await RateCounter.all())


async def transaction_held_open(bucket: str) -> tuple[asyncio.Task[None], asyncio.Event]:
    """Another request's write transaction, open once it has written the row ``bucket``: its
    task, and the event that lets it commit."""
    written, release = asyncio.Event(), asyncio.Event()

    async def other_request() -> None:
        async with write_transaction():
            await RateCounter.create(bucket=bucket, window_start=0, count=1)
            written.set()
            await release.wait()

    task = asyncio.create_task(other_request())
    await asyncio.wait_for(written.wait(), WAIT)
    return task, release


def frames_logged(client: ImmediateSqliteClient) -> int:
    """Frames in the write-ahead log, from a connection of its own (a passive checkpoint's
    count; it copies nothing a reader still needs)."""
    probe = sqlite3.connect(client.filename, isolation_level=None)
    try:
        _, logged, _ = probe.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    finally:
        probe.close()
    return int(logged)
