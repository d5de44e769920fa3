"""The ledger's invariants, checked against the database after a test (or after every step)."""

from __future__ import annotations

from collections import defaultdict

from models.points import PointBalance, PointEntry


async def check_ledger(store_id: int | None = None) -> None:
    """For every customer: the balance is never negative, equals the sum of the entries and the
    unspent remainder of the lots; each entry's balance_after is the running sum; remainders
    are within their lots; what is owed is never negative and equals the sum of the entries'
    owed; every entry moves points or what is owed."""
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
