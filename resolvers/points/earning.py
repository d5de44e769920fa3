"""Points an order earns on completion (D2) and takes back on a refund (C3).

Both run inside the transaction that moves the order, which already holds the
order's status change, so each runs once per completion or refund.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.functions import Sum

from core.context import Context
from core.errors import InvalidInput, NotFound
from models.customers import Customer
from models.orders import Order
from models.points import PointEntry, PointKind, PointProgram, PointSource
from resolvers.points import ledger
from resolvers.points.program import expiry_from, points_for, program_of

AWARDS = {
    PointSource.SIGNUP: "signup_points",
    PointSource.REVIEW: "review_points",
    PointSource.REFERRAL: "referral_points",
}


async def _earned_by(order_id: int) -> int:
    found: list[Any] = (
        await PointEntry.filter(order_id=order_id, kind=PointKind.EARN)
        .annotate(total=Sum("amount"))
        .values_list("total", flat=True)
    )
    return int(found[0] or 0) if found else 0


async def earn_for_order(
    ctx: Context,
    *,
    order_id: int,
    rate_bp: int | None,
    multiplier_bp: int = 10_000,
    order: Order | None = None,
    program: PointProgram | None = None,
) -> int:
    """Credit the order's customer;
    ``rate_bp`` (the tier's) replaces the programme's rate when given. ``order``: the order as
    this transaction left it, when the caller holds it (saves reading it again); ``program``:
    the store's programme, when the caller read it (before the transaction).

    Returns the points earned (0 without a customer, under the minimum order, or already earned).
    """
    if order is None:
        order = await Order.get(id=order_id)
    customer_id: int | None = order.customer_id
    store_id: int = order.store_id
    if customer_id is None or await _earned_by(order_id):
        return 0
    if program is None:
        program = await program_of(store_id)
    if order.total < program.minimum_order:
        return 0
    rate = program.earn_rate_bp if rate_bp is None else rate_bp
    points = points_for(order.total, rate, multiplier_bp, program.rounding)
    if points <= 0:
        return 0
    now = order.completed_at or datetime.now(UTC)
    await ledger.credit(
        store_id,
        customer_id,
        points,
        kind=PointKind.EARN,
        source=PointSource.PURCHASE,
        reference=ledger.Reference(type="order", id=order_id, order_id=order_id),
        expires_at=expiry_from(program, now),
    )
    return points


async def reverse_for_refund(ctx: Context, *, order_id: int, amount: int, full: bool) -> int:
    """Take back what the order earned, in proportion to ``amount`` of its total.

    Called after the order's ``refunded_amount`` already includes ``amount``. The reversal
    is recorded in full: if the customer spent or gave the points away meanwhile, it takes
    what is there and the rest is owed, settled by their next earnings. Returns the points
    due.
    """
    order = await Order.get(id=order_id)
    customer_id: int | None = order.customer_id
    earned = await _earned_by(order_id)
    if customer_id is None or earned <= 0 or order.total <= 0:
        return 0
    refunded = order.refunded_amount
    target = earned if full else earned * refunded // order.total
    previous = earned * max(refunded - amount, 0) // order.total
    due = target - previous
    if due <= 0:
        return 0
    await ledger.debit_owing(
        order.store_id,
        customer_id,
        due,
        kind=PointKind.REFUND_REVERSAL,
        source=PointSource.PURCHASE,
        reference=ledger.Reference(
            type="order_refund", id=order_id, order_id=order_id, reason=f"due {due}"
        ),
    )
    return due


async def award(
    ctx: Context,
    *,
    customer_id: int,
    source: PointSource,
    reference_type: str,
    reference_id: object,
) -> int:
    """Credit the programme's fixed award for a sign-up, a review or a referral, inside the
    caller's transaction. Returns the points (0 when the programme gives none)."""
    field = AWARDS.get(source)
    if field is None:
        raise InvalidInput(f"{source.value} has no fixed award.", field="source")
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise NotFound("No such customer.", field="customer_id")
    store_id: int = customer.store_id
    program = await program_of(store_id)
    points = int(getattr(program, field))
    if points <= 0:
        return 0
    await ledger.credit(
        store_id,
        customer_id,
        points,
        kind=PointKind.EARN,
        source=source,
        reference=ledger.Reference(type=reference_type, id=reference_id),
        expires_at=expiry_from(program, datetime.now(UTC)),
    )
    return points


REVIEW_AWARD_EVERY = timedelta(days=1)


async def award_review(ctx: Context, *, customer_id: int, feedback_id: int) -> int:
    """The programme's review points, at most once a day per customer (a review is not a vending
    machine). Inside the feedback's transaction; the balance row is taken first, so two reviews
    racing on PostgreSQL cannot both be the day's first."""
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise NotFound("No such customer.", field="customer_id")
    await ledger.lock_balance(customer.store_id, customer_id)
    since = datetime.now(UTC) - REVIEW_AWARD_EVERY
    if await PointEntry.filter(
        customer_id=customer_id, source=PointSource.REVIEW, created_at__gte=since
    ).exists():
        return 0
    return await award(
        ctx,
        customer_id=customer_id,
        source=PointSource.REVIEW,
        reference_type="feedback",
        reference_id=feedback_id,
    )
