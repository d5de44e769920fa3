"""Moving points by hand: transfers between two customers (D4) and adjustments (D5).

Both take an idempotency key; their result is the ids of the ledger entries written.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core.context import Context
from core.errors import InvalidInput, NotFound
from models.customers import Customer
from models.points import PointKind, PointSource
from models.tiers import TierChangeReason
from resolvers import audit, idempotency, outbox
from resolvers.messages import automations
from resolvers.points import ledger
from resolvers.points.program import expiry_from, program_of
from resolvers.tiers import standing

MAX_POINTS = 100_000_000
MAX_REASON = 255


def _check_points(points: int, *, signed: bool) -> None:
    if (signed and points == 0) or (not signed and points <= 0):
        raise InvalidInput(
            "points must be non-zero." if signed else "points must be positive.", field="points"
        )
    if abs(points) > MAX_POINTS:
        raise InvalidInput(f"points is at most {MAX_POINTS}.", field="points")


async def _store_of(customer_id: int, field: str, store_id: int | None = None) -> int:
    query = Customer.filter(id=customer_id)
    if store_id is not None:
        query = query.filter(store_id=store_id)
    found: list[Any] = await query.values_list("store_id", flat=True)
    if not found:
        raise NotFound("No such customer.", field=field)
    return int(found[0])


async def transfer_points(
    ctx: Context, *, from_customer_id: int, to_customer_id: int, points: int, idempotency_key: str
) -> list[int]:
    """Move points between two customers of one store; both are notified. Returns the entry ids
    (the sender's, then the receiver's)."""
    _check_points(points, signed=False)
    if from_customer_id == to_customer_id:
        raise InvalidInput(
            "A customer cannot transfer points to themselves.", field="to_customer_id"
        )
    store_id = await _store_of(from_customer_id, "from_customer_id")
    await _store_of(to_customer_id, "to_customer_id", store_id)
    principal = await ctx.principal()

    async def execute() -> idempotency.Result:
        for customer_id in sorted((from_customer_id, to_customer_id)):
            await ledger.lock_balance(store_id, customer_id)
        reference = ledger.Reference(
            type="transfer", id=idempotency_key, created_by_id=principal.account_id
        )
        sent = await ledger.debit(
            store_id,
            from_customer_id,
            points,
            kind=PointKind.TRANSFER_OUT,
            source=PointSource.TRANSFER,
            reference=reference,
        )
        received = await ledger.credit(
            store_id,
            to_customer_id,
            points,
            kind=PointKind.TRANSFER_IN,
            source=PointSource.TRANSFER,
            reference=reference,
            expires_at=sent.earliest_expiry,
        )
        for customer_id, entry, kind in (
            (from_customer_id, sent.entry, "points_transfer_sent"),
            (to_customer_id, received, "points_transfer_received"),
        ):
            await outbox.enqueue(
                store_id=store_id,
                customer_id=customer_id,
                kind=kind,
                payload={"points": points, "balance": entry.balance_after, "entry_id": entry.id},
            )
        await automations.points_transferred(
            store_id=store_id,
            transfers=[(from_customer_id, sent.entry.id), (to_customer_id, received.id)],
            points=points,
            at=datetime.now(UTC),
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="points.transfer",
            target_type="customer",
            target_id=from_customer_id,
            before={
                "balance": sent.entry.balance_after + points,
                "to_balance": received.balance_after - points,
            },
            after={
                "balance": sent.entry.balance_after,
                "to_balance": received.balance_after,
                "points": points,
                "to_customer_id": to_customer_id,
            },
        )
        return {"entry_ids": [sent.entry.id, received.id]}

    result = await idempotency.run_once(
        store_id=store_id,
        operation="points.transfer",
        key=idempotency_key,
        request={"from": from_customer_id, "to": to_customer_id, "points": points},
        execute=execute,
    )
    return [int(pk) for pk in result["entry_ids"]]


async def adjust_points(
    ctx: Context, *, customer_id: int, points: int, reason: str, idempotency_key: str
) -> int:
    """Increase or decrease a balance by hand, with a reason; audited, nobody notified; the tier
    is re-evaluated as after an order. Returns the entry id."""
    _check_points(points, signed=True)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON:
        raise InvalidInput(f"A reason of 1 to {MAX_REASON} characters is required.", field="reason")
    store_id = await _store_of(customer_id, "customer_id")
    principal = await ctx.principal()

    async def execute() -> idempotency.Result:
        reference = ledger.Reference(
            type="adjustment", id=idempotency_key, reason=reason, created_by_id=principal.account_id
        )
        if points > 0:
            program = await program_of(store_id)
            entry = await ledger.credit(
                store_id,
                customer_id,
                points,
                kind=PointKind.ADJUST,
                source=PointSource.MANUAL,
                reference=reference,
                expires_at=expiry_from(program, datetime.now(UTC)),
            )
        else:
            entry = (
                await ledger.debit(
                    store_id,
                    customer_id,
                    -points,
                    kind=PointKind.ADJUST,
                    source=PointSource.MANUAL,
                    reference=reference,
                )
            ).entry
        await standing.reevaluate(
            store_id=store_id,
            customer_id=customer_id,
            at=datetime.now(UTC),
            reason=TierChangeReason.UPGRADE_ON_POINTS,
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="points.adjust",
            target_type="customer",
            target_id=customer_id,
            before={"balance": entry.balance_after - points},
            after={"balance": entry.balance_after, "points": points, "reason": reason},
        )
        return {"entry_ids": [entry.id]}

    result = await idempotency.run_once(
        store_id=store_id,
        operation="points.adjust",
        key=idempotency_key,
        request={"customer": customer_id, "points": points, "reason": reason},
        execute=execute,
    )
    return int(result["entry_ids"][0])
