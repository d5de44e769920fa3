"""Writes outside a transaction (an audit entry, a rate counter). On SQLite they run at once on a
connection of the event loop's thread that never waits for the write lock (core.sqlite): when
the lock is taken, or the statement runs long, SQLite undoes it and it goes through aiosqlite's
thread. Either way nothing is lost, nothing is done twice, and errors are the ORM's."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime

import pytest
from tortoise.exceptions import IntegrityError

from core.database import connection, db_instant, insert_rows, marks, write_transaction
from core.sqlite import CHECKPOINT_AFTER_WRITES
from models.audit import AuditEntry
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

pytestmark = pytest.mark.usefixtures("app")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="the loop's connections are SQLite's")


async def _insert_by_hand(bucket: str, window_start: int = 0) -> int:
    at = ", ".join(marks(3))
    changes, _ = await connection().execute_query(
        f'INSERT INTO "rate_counter" ("bucket", "window_start", "count") VALUES ({at})',
        [bucket, window_start, 1],
    )
    return changes


async def test_a_write_beside_another_requests_transaction_lands_once_after_it() -> None:
    # given another request's write transaction, open and holding what it wrote
    other, release = await transaction_held_open("in a transaction")
    # when this request writes outside a transaction, by hand and through the ORM
    by_hand = asyncio.create_task(_insert_by_hand("by hand"))
    by_orm = asyncio.create_task(RateCounter.create(bucket="by the orm", window_start=0, count=1))
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(other, WAIT)
    # then each lands once, beside the transaction's row
    await asyncio.wait_for(by_hand, WAIT)
    created = await asyncio.wait_for(by_orm, WAIT)
    assert created.id is not None
    assert await RateCounter.get(id=created.id).values_list("bucket", flat=True) == "by the orm"
    assert await buckets() == ["by hand", "by the orm", "in a transaction"]


async def test_a_write_that_breaks_a_constraint_is_the_orms_integrity_error() -> None:
    # given
    await _insert_by_hand("taken")
    # when: a duplicate key, and a reference to no row
    with pytest.raises(IntegrityError):
        await _insert_by_hand("taken")
    with pytest.raises(IntegrityError):
        await connection().execute_query(
            'INSERT INTO "audit_entry" ("store_id", "action", "target_type", "target_id", '
            f'"created_at") VALUES ({", ".join(marks(5))})',
            [999_999, "x", "store", "999999", db_instant(datetime.now(UTC))],
        )
    # then nothing changed
    assert await buckets() == ["taken"]
    assert await AuditEntry.filter(store_id=999_999).count() == 0


@sqlite_only
async def test_a_write_outside_a_transaction_runs_on_the_loops_connection() -> None:
    # given
    client = sqlite_client()
    await _insert_by_hand("first")
    assert client._writer is not None
    changes_before = client._writer.total_changes
    # when
    created = await RateCounter.create(bucket="second", window_start=0, count=1)
    # then it was written there, and Tortoise got its row id
    assert client._writer.total_changes == changes_before + 1
    assert (await RateCounter.get(bucket="second")).id == created.id


@sqlite_only
async def test_a_write_while_another_process_holds_the_write_lock_waits_for_it() -> None:
    # given another process's transaction holding SQLite's write lock
    other = sqlite3.connect(sqlite_client().filename, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO rate_counter (bucket, window_start, count) VALUES ('other', 0, 1)")
    try:
        # when this process writes outside a transaction
        write = asyncio.create_task(_insert_by_hand("ours"))
        await asyncio.sleep(0.2)
        # then it waits (off the event loop, which goes on) instead of failing
        assert not write.done()
        other.execute("COMMIT")
        assert await asyncio.wait_for(write, WAIT) == 1
    finally:
        other.close()
    assert await buckets() == ["other", "ours"]


@sqlite_only
async def test_a_long_write_is_undone_and_done_once_off_the_loop() -> None:
    # given many rows, and another request counting its turns on the event loop
    rows = [(f"bucket {n}", 0, 1) for n in range(50_000)]
    async with write_transaction():
        await insert_rows("rate_counter", ("bucket", "window_start", "count"), rows)
    async with other_request_turns() as turns:
        # when one statement changes them all, far more work than a point write
        changes, _ = await connection().execute_query(
            'UPDATE "rate_counter" SET "count" = "count" + 1'
        )
        had = turns()
    # then every row changed once (the interrupted run was undone), and the loop went on
    assert changes == len(rows)
    counts = await connection().execute_query_dict(
        'SELECT MIN("count") AS "low", MAX("count") AS "high" FROM "rate_counter"'
    )
    assert counts == [{"low": 2, "high": 2}]
    assert had > 10


@sqlite_only
async def test_writes_on_the_loops_connection_are_checkpointed_off_it() -> None:
    # given: the loop's connection never checkpoints itself
    client = sqlite_client()
    # when it writes twice the number after which it asks for a checkpoint
    for n in range(2 * CHECKPOINT_AFTER_WRITES):
        await _insert_by_hand(f"bucket {n}")
    assert client._checkpoint is not None
    await asyncio.wait_for(client._checkpoint, WAIT)
    await _insert_by_hand("after the checkpoint")
    # then the log was checkpointed, and the write after it started the log afresh
    assert frames_logged(client) < CHECKPOINT_AFTER_WRITES
