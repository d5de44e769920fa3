"""The point ledger is append-only in the database: only a lot's bookkeeping may change."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from tortoise import connections

from models.points import PointEntry
from tests.points import helpers


async def test_the_database_refuses_to_edit_or_delete_a_point_entry(app: object) -> None:
    # given a lot of 100 points
    customer = await helpers.customer()
    lot = await helpers.give(customer, 100)
    db = connections.get("default")
    # when / then: amounts, balances, owed, kinds and references cannot change, nor rows go
    for change in (
        "amount = 1000",
        "balance_after = 1000",
        "owed = 5",
        "kind = 'ADJUST'",
        "reason = 'forged'",
        "customer_id = customer_id + 1",
        "remaining = remaining + 1",
        "remaining = -1",
    ):
        with pytest.raises(Exception, match="append-only"):
            await db.execute_query(f"UPDATE point_entry SET {change} WHERE id = {lot.id}")
    with pytest.raises(Exception, match="append-only"):
        await db.execute_query(f"DELETE FROM point_entry WHERE id = {lot.id}")
    # and the lot's bookkeeping still works: spending, expiring, the expiry warning set once
    assert await PointEntry.filter(id=lot.id).update(remaining=40) == 1
    assert await PointEntry.filter(id=lot.id).update(expiry_notified_at=datetime.now(UTC)) == 1
    with pytest.raises(Exception, match="append-only"):
        await PointEntry.filter(id=lot.id).update(expiry_notified_at=None)
    kept = await PointEntry.get(id=lot.id)
    assert (kept.amount, kept.balance_after, kept.remaining) == (100, 100, 40)
