"""The points ledger: append-only entries, balances changed only by conditional UPDATEs.

Every positive entry is a lot whose ``remaining`` is what is still unspent of
it; debits and expiry consume lots oldest first. Every change to a customer's
points takes the lock on its balance row first (the UPDATE of the balance), so
on PostgreSQL racing changes of one customer queue up and never deadlock on lots.

A reversal the balance cannot cover (a refund after the points were spent or given
away) is recorded in full: the entry takes what there is and ``owed`` keeps the rest,
which the customer's next earnings settle first. ``PointBalance.owed`` is always the
sum of the entries' ``owed``, and never negative, like the balance.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from core.database import add_to_row
from core.errors import InsufficientPoints
from models.points import PointBalance, PointEntry, PointKind, PointSource
from models.webhooks import EventType
from resolvers import events


@dataclass(frozen=True)
class Reference:
    type: str | None = None
    id: object = None
    order_id: int | None = None
    reason: str | None = None
    created_by_id: int | None = None


NO_REFERENCE = Reference()


def _now() -> datetime:
    return datetime.now(UTC)


async def _add_to_balance(store_id: int, customer_id: int, points: int) -> tuple[int, int]:
    """Add ``points`` to the customer's balance (the row created if missing) in one statement,
    which takes the row's lock as the UPDATE does; returns the new balance and what is owed."""
    row = await add_to_row(
        "point_balance",
        {"customer_id": customer_id},
        {"balance": points, "owed": 0},
        replaced={"store_id": store_id, "updated_at": _now()},
        returning=["balance", "owed"],
    )
    return int(row["balance"]), int(row["owed"])


async def lock_balance(store_id: int, customer_id: int) -> int:
    """Take the customer's balance row for this transaction (created at zero if missing, safe
    when requests race); returns the balance."""
    balance, _ = await _add_to_balance(store_id, customer_id, 0)
    return balance


async def balance_of(customer_id: int) -> int:
    found: list[Any] = await PointBalance.filter(customer_id=customer_id).values_list(
        "balance", flat=True
    )
    return int(found[0]) if found else 0


async def _entry(
    store_id: int,
    customer_id: int,
    *,
    kind: PointKind,
    source: PointSource,
    amount: int,
    reference: Reference,
    expires_at: datetime | None = None,
    owed: int = 0,
    balance_after: int | None = None,
) -> PointEntry:
    entry = await PointEntry.create(
        store_id=store_id,
        customer_id=customer_id,
        kind=kind,
        source=source,
        amount=amount,
        owed=owed,
        balance_after=await balance_of(customer_id) if balance_after is None else balance_after,
        remaining=max(amount, 0),
        # A credit's expiry; on a debit, the earliest expiry of the lots it took, so that points
        # given back (a rejected or cancelled redemption) expire no later than they would have.
        expires_at=expires_at,
        reference_type=reference.type,
        reference_id=None if reference.id is None else str(reference.id),
        order_id=reference.order_id,
        reason=reference.reason,
        created_by_id=reference.created_by_id,
    )
    await events.publish(
        store_id=store_id,
        type=EventType.POINTS_CHANGED,
        data={
            "customer_id": customer_id,
            "entry_id": entry.id,
            "kind": kind.value,
            "source": source.value,
            "amount": amount,
            "owed": owed,
            "balance_after": entry.balance_after,
            "order_id": reference.order_id,
        },
    )
    return entry


async def credit(
    store_id: int,
    customer_id: int,
    points: int,
    *,
    kind: PointKind,
    source: PointSource,
    reference: Reference = NO_REFERENCE,
    expires_at: datetime | None = None,
) -> PointEntry:
    """Add a lot of ``points`` (> 0) to the customer's balance; an earning first settles what
    the customer owes (a second entry)."""
    assert points > 0
    balance, owed = await _add_to_balance(store_id, customer_id, points)
    entry = await _entry(
        store_id,
        customer_id,
        kind=kind,
        source=source,
        amount=points,
        reference=reference,
        expires_at=expires_at,
        balance_after=balance,
    )
    if owed and kind == PointKind.EARN:
        await _settle(store_id, customer_id, min(points, owed))
    return entry


async def _settle(store_id: int, customer_id: int, points: int) -> None:
    """Take ``points`` of a new earning towards what the customer owes;
    with the balance row taken."""
    taken = await PointBalance.filter(
        customer_id=customer_id, balance__gte=points, owed__gte=points
    ).update(balance=F("balance") - points, owed=F("owed") - points, updated_at=_now())
    if not taken:
        raise RuntimeError(f"customer {customer_id}: cannot settle {points} points owed")
    earliest = await consume_lots(customer_id, points)
    await _entry(
        store_id,
        customer_id,
        kind=PointKind.REFUND_REVERSAL,
        source=PointSource.PURCHASE,
        amount=-points,
        owed=-points,
        reference=Reference(type="points_owed", reason="settles points owed"),
        expires_at=earliest,
    )


async def consume_lots(customer_id: int, points: int) -> datetime | None:
    """Take ``points`` from the customer's lots, oldest first; returns the earliest expiry taken.

    Call it only with the balance row taken (after the UPDATE of the balance).
    """
    left = points
    earliest: datetime | None = None
    while left > 0:
        lots = (
            await PointEntry.filter(customer_id=customer_id, remaining__gt=0)
            .order_by("id")
            .limit(50)
        )
        if not lots:
            raise RuntimeError(f"customer {customer_id}: the lots hold less than the balance")
        for lot in lots:
            take = min(lot.remaining, left)
            taken = await PointEntry.filter(id=lot.id, remaining__gte=take).update(
                remaining=F("remaining") - take
            )
            if not taken:
                break
            if lot.expires_at is not None and (earliest is None or lot.expires_at < earliest):
                earliest = lot.expires_at
            left -= take
            if left == 0:
                break
    return earliest


@dataclass(frozen=True)
class Debit:
    entry: PointEntry
    earliest_expiry: datetime | None


async def debit(
    store_id: int,
    customer_id: int,
    points: int,
    *,
    kind: PointKind,
    source: PointSource,
    reference: Reference = NO_REFERENCE,
) -> Debit:
    """Take ``points`` (> 0) from the balance,
    or raise ``InsufficientPoints`` and change nothing."""
    assert points > 0
    taken = await PointBalance.filter(customer_id=customer_id, balance__gte=points).update(
        balance=F("balance") - points, updated_at=_now()
    )
    if not taken:
        available = await balance_of(customer_id)
        raise InsufficientPoints(
            f"The customer has {available} points; {points} are needed.",
            field="points",
            available=available,
        )
    earliest = await consume_lots(customer_id, points)
    entry = await _entry(
        store_id,
        customer_id,
        kind=kind,
        source=source,
        amount=-points,
        reference=reference,
        expires_at=earliest,
    )
    return Debit(entry=entry, earliest_expiry=earliest)


async def debit_owing(
    store_id: int,
    customer_id: int,
    points: int,
    *,
    kind: PointKind,
    source: PointSource,
    reference: Reference = NO_REFERENCE,
) -> PointEntry:
    """Take back ``points`` (> 0) in full: what the balance holds now, and the rest as owed
    (settled by the customer's next earnings). One entry records both."""
    assert points > 0
    available = await lock_balance(store_id, customer_id)
    take = min(points, available)
    short = points - take
    taken = await PointBalance.filter(customer_id=customer_id, balance__gte=take).update(
        balance=F("balance") - take, owed=F("owed") + short, updated_at=_now()
    )
    if not taken:
        raise RuntimeError(f"customer {customer_id}: the balance moved under its lock")
    earliest = await consume_lots(customer_id, take) if take else None
    return await _entry(
        store_id,
        customer_id,
        kind=kind,
        source=source,
        amount=-take,
        owed=short,
        reference=reference,
        expires_at=earliest,
    )
