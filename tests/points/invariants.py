"""The ledger's invariants, checked against the database after a test (or after every step)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from models.points import EARNING_DAYS, PointBalance, PointEarning, PointEntry, PointRollup

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


async def check_ledger(store_id: int | None = None) -> None:
    """For every customer: the balance is never negative, equals the sum of the entries and the
    unspent remainder of the lots; each entry's balance_after is the running sum; remainders
    are within their lots; what is owed is never negative and equals the sum of the entries'
    owed; every entry moves points or what is owed. Then ``check_rollups``."""
    entries = PointEntry.all() if store_id is None else PointEntry.filter(store_id=store_id)
    balances = PointBalance.all() if store_id is None else PointBalance.filter(store_id=store_id)
    running: dict[int, int] = defaultdict(int)
    remaining: dict[int, int] = defaultdict(int)
    owed: dict[int, int] = defaultdict(int)
    rows = await entries.order_by("id").values(
        "id", "customer_id", "amount", "balance_after", "remaining", "owed"
    )
    for row in rows:
        customer = row["customer_id"]
        running[customer] += row["amount"]
        owed[customer] += row["owed"]
        assert row["amount"] != 0 or row["owed"] != 0, f"entry {row['id']} moves nothing"
        assert owed[customer] >= 0, f"entry {row['id']}: owed went negative"
        assert row["balance_after"] == running[customer], (
            f"entry {row['id']}: balance_after {row['balance_after']} "
            f"!= running sum {running[customer]}"
        )
        assert running[customer] >= 0, f"entry {row['id']}: balance went negative"
        if row["amount"] > 0:
            assert 0 <= row["remaining"] <= row["amount"], (
                f"entry {row['id']}: remaining out of its lot"
            )
            remaining[customer] += row["remaining"]
        else:
            assert row["remaining"] == 0, f"entry {row['id']}: a debit holds a remainder"
    stored_rows = await balances.values("customer_id", "balance", "owed")
    stored = {row["customer_id"]: row["balance"] for row in stored_rows}
    stored_owed = {row["customer_id"]: row["owed"] for row in stored_rows}
    for customer in set(stored) | set(running):
        balance = stored.get(customer, 0)
        assert balance >= 0, f"customer {customer}: negative balance {balance}"
        assert balance == running[customer], (
            f"customer {customer}: balance {balance} != sum of entries {running[customer]}"
        )
        assert balance == remaining[customer], (
            f"customer {customer}: balance {balance} != unspent lots {remaining[customer]}"
        )
        assert stored_owed.get(customer, 0) == owed[customer], (
            f"customer {customer}: owes {stored_owed.get(customer, 0)} "
            f"!= sum of entries' owed {owed[customer]}"
        )
    await check_rollups(store_id)


def _bucket(at: datetime, seconds: int) -> int:
    return (at - EPOCH) // timedelta(seconds=1) // seconds


async def check_rollups(store_id: int | None = None) -> None:
    """The dashboard's rollups equal the ledger's sums: per store, UTC hour and day, kind, source
    and sign (amount and count), and each customer's EARN points per span of EARNING_DAYS."""
    entries = PointEntry.all() if store_id is None else PointEntry.filter(store_id=store_id)
    rollups = PointRollup.all() if store_id is None else PointRollup.filter(store_id=store_id)
    earnings = PointEarning.all() if store_id is None else PointEarning.filter(store_id=store_id)
    sums: dict[tuple[Any, ...], list[int]] = defaultdict(lambda: [0, 0])
    earned: dict[tuple[int, int, int], int] = defaultdict(int)
    for row in await entries.values(
        "store_id", "customer_id", "kind", "source", "amount", "created_at"
    ):
        for hours in (1, 24):
            key = (
                row["store_id"],
                hours,
                _bucket(row["created_at"], 3600 * hours),
                row["kind"],
                row["source"],
                row["amount"] > 0,
            )
            sums[key][0] += row["amount"]
            sums[key][1] += 1
        if row["kind"] == "EARN":
            span = _bucket(row["created_at"], 86400 * EARNING_DAYS)
            earned[(row["store_id"], row["customer_id"], span)] += row["amount"]
    stored = {
        (r["store_id"], r["hours"], r["bucket"], r["kind"], r["source"], bool(r["positive"])): [
            r["amount"],
            r["entries"],
        ]
        for r in await rollups.values(
            "store_id", "hours", "bucket", "kind", "source", "positive", "amount", "entries"
        )
    }
    assert stored == dict(sums), "point_rollup differs from the ledger's sums"
    stored_earned = {
        (r["store_id"], r["customer_id"], r["bucket"]): r["earned"]
        for r in await earnings.values("store_id", "customer_id", "bucket", "earned")
    }
    assert stored_earned == dict(earned), "point_earning differs from the ledger's EARN sums"
