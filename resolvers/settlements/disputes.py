"""Disputes (H3): an owner objects within 7 days of issue; an admin accepts or rejects.

At most one dispute of a statement is open at a time (``open_settlement_id`` is
unique while set). Accepting creates an adjustment that the store's next statement
carries; the statement itself never changes. Every step is audited and the store's
owners are told.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Annotated

from tortoise.exceptions import IntegrityError

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NodeRef, NotFound, UserError
from models.notifications import NotificationKind
from models.settlements import (
    DisputeStatus,
    Settlement,
    SettlementAdjustment,
    SettlementDispute,
)
from policies.catalogue import OWNER
from resolvers import audit
from resolvers.alerts import raise_alert

MAX_ADJUSTMENT = 100_000_000


class DisputeOutcome(str, Enum):
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class DisputeWindowClosed(UserError):
    code = "DISPUTE_WINDOW_CLOSED"
    closed_at: datetime | None


class DisputeAlreadyOpen(UserError):
    code = "DISPUTE_ALREADY_OPEN"
    dispute_id: Annotated[int | None, NodeRef("SettlementDispute")]


class DisputeNotOpen(UserError):
    code = "DISPUTE_NOT_OPEN"
    status: DisputeStatus | None


def _text(value: str, field: str, *, required: bool = True) -> str:
    cleaned = value.strip()
    if (required and not cleaned) or len(cleaned) > 1000:
        raise InvalidInput(f"{field} needs 1 to 1000 characters.", field=field)
    return cleaned


async def _tell_owners(ctx: Context, dispute: SettlementDispute, event: str) -> None:
    await raise_alert(
        ctx,
        store_id=dispute.store_id,
        kind=NotificationKind.SETTLEMENT_ISSUED,
        roles=(OWNER,),
        payload={
            "event": event,
            "settlement_id": dispute.settlement_id,
            "dispute_id": dispute.id,
            "status": dispute.status.value,
        },
    )


async def _open_dispute_of(settlement_id: int) -> UserError:
    found = await SettlementDispute.get_or_none(open_settlement_id=settlement_id)
    return DisputeAlreadyOpen(
        "This statement already has an open dispute.",
        field="settlement_id",
        dispute_id=found.id if found else None,
    )


async def dispute_settlement(
    ctx: Context, *, settlement_id: int, reason: str, now: datetime | None = None
) -> SettlementDispute:
    reason = _text(reason, "reason")
    at = now or datetime.now(UTC)
    principal = await ctx.principal()
    settlement = await Settlement.get_or_none(id=settlement_id)
    if settlement is None:
        raise NotFound("No such settlement.", field="settlement_id")
    if at >= settlement.dispute_closes_at:
        raise DisputeWindowClosed(
            "Disputes are taken within 7 days of issue.",
            field="settlement_id",
            closed_at=settlement.dispute_closes_at,
        )
    try:
        async with write_transaction():
            dispute = await SettlementDispute.create(
                settlement_id=settlement_id,
                store_id=settlement.store_id,
                reason=reason,
                status=DisputeStatus.OPEN,
                open_settlement_id=settlement_id,
                opened_by_id=principal.account_id,
                opened_at=at,
            )
            await audit.record(
                ctx,
                store_id=settlement.store_id,
                action="settlements.dispute",
                target_type="settlement",
                target_id=settlement_id,
                after={"dispute_id": dispute.id, "reason": reason},
            )
            await _tell_owners(ctx, dispute, "dispute_opened")
    except IntegrityError as exc:
        raise await _open_dispute_of(settlement_id) from exc
    return dispute


async def resolve_dispute(
    ctx: Context,
    *,
    dispute_id: int,
    outcome: DisputeOutcome,
    adjustment: int | None,
    note: str,
    now: datetime | None = None,
) -> SettlementDispute:
    """ACCEPTED with a non-zero adjustment (< 0 credits the store) or REJECTED with a note."""
    at = now or datetime.now(UTC)
    note = _text(note, "note", required=outcome == DisputeOutcome.REJECTED)
    if outcome == DisputeOutcome.ACCEPTED:
        if not adjustment or abs(adjustment) > MAX_ADJUSTMENT:
            raise InvalidInput(
                f"An accepted dispute carries a non-zero adjustment up to {MAX_ADJUSTMENT} won.",
                field="adjustment",
            )
    elif adjustment:
        raise InvalidInput("A rejected dispute carries no adjustment.", field="adjustment")
    principal = await ctx.principal()
    async with write_transaction():
        dispute = await SettlementDispute.get_or_none(id=dispute_id)
        if dispute is None:
            raise NotFound("No such dispute.", field="dispute_id")
        adjustment_id = None
        if outcome == DisputeOutcome.ACCEPTED:
            assert adjustment is not None
            created = await SettlementAdjustment.create(
                store_id=dispute.store_id,
                amount=adjustment,
                reason=f"이의 신청 #{dispute.id} 수용: {note or dispute.reason}"[:300],
                corrects_id=dispute.settlement_id,
                created_by_id=principal.account_id,
                created_at=at,
            )
            adjustment_id = created.id
        moved = await SettlementDispute.filter(id=dispute_id, status=DisputeStatus.OPEN).update(
            status=DisputeStatus(outcome.value),
            open_settlement_id=None,
            resolved_by_id=principal.account_id,
            resolved_at=at,
            note=note,
            adjustment_id=adjustment_id,
        )
        if not moved:
            raise DisputeNotOpen(
                "This dispute is already resolved.", field="dispute_id", status=dispute.status
            )
        resolved = await SettlementDispute.get(id=dispute_id)
        await audit.record(
            ctx,
            store_id=dispute.store_id,
            action="settlements.resolve",
            target_type="settlement",
            target_id=dispute.settlement_id,
            before={"dispute_id": dispute_id, "status": DisputeStatus.OPEN.value},
            after={
                "dispute_id": dispute_id,
                "status": resolved.status.value,
                "adjustment": adjustment,
                "note": note,
            },
        )
        await _tell_owners(ctx, resolved, "dispute_resolved")
    return resolved
