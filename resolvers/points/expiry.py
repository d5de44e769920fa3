"""Expiry of earned lots (D6) and the warnings ahead of it; the jobs engineer schedules both.

Both are safe to run twice or in two processes at once: a lot's points expire
under the customer's balance lock with a conditional UPDATE of ``remaining``,
and a lot's warning is claimed by a conditional UPDATE of ``expiry_notified_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tortoise.expressions import F

from core.database import write_transaction
from models.points import PointBalance, PointEntry, PointKind, PointProgram, PointSource
from resolvers import outbox
from resolvers.points import ledger

BATCH = 200


async def _expire_customer(store_id: int, customer_id: int, now: datetime) -> int:
    async with write_transaction():
        await ledger.lock_balance(store_id, customer_id)
        lots = await PointEntry.filter(
            customer_id=customer_id, remaining__gt=0, expires_at__lte=now
        ).order_by("id")
        total = 0
        for lot in lots:
            if await PointEntry.filter(id=lot.id, remaining=lot.remaining).update(remaining=0):
                total += lot.remaining
        if total == 0:
            return 0
        taken = await PointBalance.filter(customer_id=customer_id, balance__gte=total).update(
            balance=F("balance") - total, updated_at=now
        )
        if not taken:
            raise RuntimeError(f"customer {customer_id}: expired lots exceed the balance")
        await PointEntry.create(
            store_id=store_id,
            customer_id=customer_id,
            kind=PointKind.EXPIRE,
            source=PointSource.EXPIRY,
            amount=-total,
            balance_after=await ledger.balance_of(customer_id),
            reference_type="expiry",
            reference_id=now.isoformat()[:64],
        )
        return total


async def expire_points(now: datetime) -> int:
    """Expire every lot whose time has come, oldest first; returns the points expired."""
    expired = 0
    after_id = 0
    while True:
        rows = await (
            PointEntry.filter(remaining__gt=0, expires_at__lte=now, customer_id__gt=after_id)
            .order_by("customer_id")
            .distinct()
            .limit(BATCH)
            .values_list("store_id", "customer_id")
        )
        if not rows:
            return expired
        for store_id, customer_id in rows:
            expired += await _expire_customer(store_id, customer_id, now)
        after_id = max(customer_id for _, customer_id in rows)


async def _warn_store(store_id: int, notice_days: int, now: datetime) -> tuple[int, int]:
    horizon = now + timedelta(days=notice_days)
    lots = (
        await PointEntry.filter(
            store_id=store_id,
            remaining__gt=0,
            expires_at__gt=now,
            expires_at__lte=horizon,
            expiry_notified_at__isnull=True,
        )
        .order_by("customer_id", "id")
        .limit(BATCH)
    )
    sent = 0
    for lot in lots:
        async with write_transaction():
            claimed = await PointEntry.filter(id=lot.id, expiry_notified_at__isnull=True).update(
                expiry_notified_at=now
            )
            if not claimed:
                continue
            await outbox.enqueue(
                store_id=store_id,
                customer_id=lot.customer_id,
                kind="points_expiring",
                payload={
                    "entry_id": lot.id,
                    "points": lot.remaining,
                    "expires_at": lot.expires_at.isoformat() if lot.expires_at else None,
                },
            )
            sent += 1
    return len(lots), sent


async def warn_expiring(now: datetime) -> int:
    """Queue one warning per lot due to expire within its store's notice period;
    returns how many."""
    programs = await PointProgram.all().values_list("store_id", "expiry_notice_days")
    sent = 0
    for store_id, notice_days in programs:
        while True:
            seen, queued = await _warn_store(store_id, notice_days, now)
            sent += queued
            if seen == 0:
                break
    return sent
