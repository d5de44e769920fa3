"""Reads outside a transaction: they neither wait for another request's open write transaction
nor see what it has not committed, and a long one leaves the event loop to other requests. (On
SQLite short reads run at once on a read-only connection, core.database; through Tortoise's one
connection they waited until the transaction ended.)"""

from __future__ import annotations

import asyncio

import pytest

from core.database import connection, dialect, placeholder
from models.throttling import RateCounter
from tests.speed.sqlite_connections import transaction_held_open
from tests.speed.turns import other_request_turns

pytestmark = pytest.mark.usefixtures("app")

BUCKET = "uncommitted"
WAIT = 10  # seconds: a read that waited for the writer would never end before it is released


async def _read_by_hand() -> list[dict[str, object]]:
    mark = placeholder(dialect())
    return await connection().execute_query_dict(
        f'SELECT "bucket" FROM "rate_counter" WHERE "bucket" = {mark}', [BUCKET]
    )


async def test_a_read_goes_on_while_another_request_holds_a_write_transaction() -> None:
    # given a write transaction that has written and not yet committed
    task, release = await transaction_held_open(BUCKET)
    try:
        # when another request reads, through the ORM and through SQL written by hand
        by_orm = await asyncio.wait_for(RateCounter.filter(bucket=BUCKET).count(), WAIT)
        by_hand = await asyncio.wait_for(_read_by_hand(), WAIT)
        # then both answer while the transaction is open, without what it has not committed
        assert not task.done()
        assert by_orm == 0 and by_hand == []
    finally:
        release.set()
        await task
    # and once it has committed, the next read sees it
    assert await RateCounter.filter(bucket=BUCKET).count() == 1
    assert await _read_by_hand() == [{"bucket": BUCKET}]


async def test_a_long_read_leaves_the_event_loop_to_other_requests() -> None:
    # given another request's work, counted each time it gets the event loop
    async with other_request_turns() as turns:
        # when a read runs far longer than a point read
        rows = await connection().execute_query_dict(
            "SELECT (SELECT COUNT(*) FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL "
            "SELECT i + 1 FROM n WHERE i < 1000000) SELECT i FROM n) AS counted) AS total"
        )
        # then it answers in full, and the other request went on meanwhile
        assert rows == [{"total": 1_000_000}]
        assert turns() > 10
