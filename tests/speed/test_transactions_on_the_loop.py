"""Write transactions on SQLite run on a connection of the event loop's thread (core.sqlite): their
statements do not wait for a thread each, a long read in one goes off the loop and still sees
the transaction's writes, a lock held by another process is waited for on the loop, and what
fails or is cancelled leaves nothing behind and the next transaction free to run."""

from __future__ import annotations

import asyncio
import sqlite3
import time

import pytest
from tortoise.exceptions import IntegrityError

from core.database import insert_rows, write_transaction
from core.sqlite import CHECKPOINT_AFTER_WRITES
from models.throttling import RateCounter
from tests.conftest import BACKEND
from tests.speed.sqlite_connections import (
    WAIT,
    buckets,
    frames_logged,
    sqlite_client,
    transaction_held_open,
)
from tests.speed.turns import other_request_turns

pytestmark = [
    pytest.mark.usefixtures("app"),
    pytest.mark.skipif(BACKEND != "sqlite", reason="the loop's connections are SQLite's"),
]

STATEMENTS = 12


async def test_a_transactions_statements_do_not_wait_for_a_thread_each() -> None:
    await RateCounter.create(bucket="warm", window_start=0, count=1)  # connections open
    # given another request counting its turns on the event loop
    async with other_request_turns() as turns:
        # when a transaction writes and reads a dozen times
        async with write_transaction():
            for n in range(STATEMENTS // 2):
                row = await RateCounter.create(bucket=f"row {n}", window_start=0, count=1)
                await RateCounter.filter(id=row.id).update(count=2)
        had = turns()
    # then it took fewer turns than statements (a hand-off to a thread is a turn per statement)
    assert had < STATEMENTS
    assert await RateCounter.filter(count=2).count() == STATEMENTS // 2


async def test_a_long_read_in_a_transaction_goes_off_the_loop_and_sees_its_writes() -> None:
    rows = [(f"bucket {n}", 0, 1) for n in range(50_000)]
    async with write_transaction() as transaction:
        await insert_rows("rate_counter", ("bucket", "window_start", "count"), rows)
        # given another request counting its turns
        async with other_request_turns() as turns:
            # when the transaction reads far more than a point read
            counted = await transaction.execute_query_dict(
                'SELECT COUNT(*) AS "n", SUM("count") AS "total" FROM "rate_counter" '
                "WHERE \"bucket\" LIKE 'bucket %'"
            )
            had = turns()
        # then it saw its own uncommitted rows, the loop went on, and the transaction goes on
        assert counted == [{"n": len(rows), "total": len(rows)}]
        assert had > 10
        await RateCounter.create(bucket="after the long read", window_start=0, count=1)
    assert await RateCounter.all().count() == len(rows) + 1


async def test_a_transaction_waits_on_the_loop_while_another_process_holds_the_lock() -> None:
    # given another process's transaction holding SQLite's write lock
    other = sqlite3.connect(sqlite_client().filename, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rate_counter (bucket, window_start, count) VALUES ('other', 0, 1)")

    async def ours() -> None:
        async with write_transaction():
            await RateCounter.create(bucket="ours", window_start=0, count=1)

    try:
        async with other_request_turns() as turns:
            # when this process starts a write transaction
            task = asyncio.create_task(ours())
            await asyncio.sleep(0.2)
            # then it waits, and the event loop goes on meanwhile
            assert not task.done()
            assert turns() > 10
        other.execute("COMMIT")
        await asyncio.wait_for(task, WAIT)
    finally:
        other.close()
    assert await buckets() == ["other", "ours"]


async def test_a_cancelled_transaction_leaves_nothing_and_the_next_one_runs() -> None:
    # given a transaction cancelled after it wrote
    task, _ = await transaction_held_open("cancelled")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # when the next transaction writes
    async with write_transaction():
        await RateCounter.create(bucket="next", window_start=0, count=1)
    # then only its row is there
    assert await buckets() == ["next"]


async def test_a_transaction_cancelled_in_a_long_read_leaves_nothing_and_the_next_runs() -> None:
    reading = asyncio.Event()

    async def cancelled() -> None:
        async with write_transaction() as transaction:
            await RateCounter.create(bucket="cancelled", window_start=0, count=1)
            reading.set()
            await transaction.execute_query_dict(  # counts to a billion, off the loop
                "SELECT COUNT(*) AS n FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
                "SELECT i + 1 FROM n WHERE i < 1000000000) SELECT i FROM n)"
            )

    # given a transaction cancelled while its long read runs in a thread
    task = asyncio.create_task(cancelled())
    await asyncio.wait_for(reading.wait(), WAIT)
    await asyncio.sleep(0.2)
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # when the next transaction writes
    async with write_transaction():
        await RateCounter.create(bucket="next", window_start=0, count=1)
    # then the read was stopped, not run to its end (minutes, with the event loop held by the
    # rollback waiting for it), and only the next transaction's row is there
    assert time.monotonic() - cancelled_at < WAIT
    assert await buckets() == ["next"]


async def test_a_commit_that_fails_is_the_orms_error_and_the_next_transaction_runs() -> None:
    # given a transaction whose foreign keys are checked only at its commit
    with pytest.raises(IntegrityError):
        async with write_transaction() as transaction:
            await transaction.execute_query("PRAGMA defer_foreign_keys = ON")
            await RateCounter.create(bucket="beside a broken reference", window_start=0, count=1)
            # when it writes a reference to no row
            await transaction.execute_query(
                'INSERT INTO "audit_entry" ("store_id", "action", "target_type", "target_id", '
                "\"created_at\") VALUES (999999, 'x', 'store', '1', '2026-01-01T00:00:00+00:00')"
            )
    # then nothing of it is kept, and the next transaction commits
    async with write_transaction():
        await RateCounter.create(bucket="next", window_start=0, count=1)
    assert await buckets() == ["next"]


async def test_transactions_on_the_loops_connection_are_checkpointed_off_it() -> None:
    # given: the loop's connections never checkpoint themselves
    client = sqlite_client()
    # when transactions write the rows after which a checkpoint is asked for
    for batch in range(2):
        async with write_transaction():
            for n in range(CHECKPOINT_AFTER_WRITES // 2):
                await RateCounter.create(bucket=f"{batch}-{n}", window_start=0, count=1)
    assert client._checkpoint is not None
    await asyncio.wait_for(client._checkpoint, WAIT)
    async with write_transaction():
        await RateCounter.create(bucket="after the checkpoint", window_start=0, count=1)
    # then the log was checkpointed, and the transaction after it started the log afresh
    assert frames_logged(client) < CHECKPOINT_AFTER_WRITES
