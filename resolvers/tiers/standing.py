"""Where each customer stands on the ladder.

Criteria are measured over the programme's rolling window: the amount paid
(completed orders net of refunds, one SQL aggregate), the visits (orders
still completed) and the activity points (points earned in the window).
An upgrade applies at once, in the transaction of the order or points change
that earned it; a downgrade waits for ``evaluate_tiers`` and the grace period,
except that a refund undoes at once an upgrade that the refunded order itself
earned (so a bought-then-refunded order never leaves a tier behind).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from core.database import write_transaction
from models.orders import Order
from models.tiers import CustomerTier, Tier, TierChange, TierChangeReason, TierProgram
from models.webhooks import EventType
from resolvers import coupons, events, outbox
from resolvers.messages import automations
from resolvers.tiers.ladder import program_of, tiers_of
from resolvers.tiers.measures import Metrics, metrics

BATCH = 200


def qualified(ladder: list[Tier], m: Metrics) -> Tier | None:
    """The highest tier whose every criterion is met."""
    best = None
    for tier in ladder:
        if (
            m.amount >= tier.min_amount
            and m.visits >= tier.min_visits
            and m.points >= tier.min_points
        ):
            best = tier
    return best


def _since(program: TierProgram, at: datetime) -> datetime:
    return at - timedelta(days=program.window_days)


async def current_tier(customer_id: int) -> Tier | None:
    return (await current_tiers([customer_id]))[0]


async def current_tiers(customer_ids: list[int]) -> list[Tier | None]:
    """Each customer's tier, in the order asked; one query for any number."""
    rows = await CustomerTier.filter(
        customer_id__in=customer_ids, tier_id__isnull=False
    ).select_related("tier")
    held = {row.customer_id: row.tier for row in rows if row.tier and not row.tier.is_deleted}
    return [held.get(customer) for customer in customer_ids]


async def move(
    *,
    store_id: int,
    customer_id: int,
    row: CustomerTier | None,
    ladder: list[Tier],
    to: Tier | None,
    reason: TierChangeReason,
    at: datetime,
    order_id: int | None = None,
) -> None:
    by_id = {tier.id: tier for tier in ladder}
    before = None if row is None or row.tier_id is None else by_id.get(row.tier_id)
    if row is None:
        await CustomerTier.create(
            store_id=store_id, customer_id=customer_id, tier_id=to.id if to else None, since=at
        )
    else:
        await CustomerTier.filter(id=row.id).update(
            tier_id=to.id if to else None, since=at, below_since=None
        )
    change = await TierChange.create(
        store_id=store_id,
        customer_id=customer_id,
        from_tier_id=before.id if before else None,
        to_tier_id=to.id if to else None,
        reason=reason,
        order_id=order_id,
    )
    await automations.tier_changed(
        store_id=store_id,
        customer_id=customer_id,
        change_id=change.id,
        previous_tier=before.name if before else None,
        at=at,
    )
    await events.publish(
        store_id=store_id,
        type=EventType.TIER_CHANGED,
        data={
            "customer_id": customer_id,
            "from_tier_id": before.id if before else None,
            "to_tier_id": to.id if to else None,
            "reason": reason.value,
            "order_id": order_id,
        },
        at=at,
    )
    await outbox.enqueue(
        store_id=store_id,
        customer_id=customer_id,
        kind="tier.changed",
        payload={
            "from": before.name if before else None,
            "to": to.name if to else None,
            "reason": reason.value,
            "perks": list(to.perks or []) if to else [],
        },
    )
    upgrade = to is not None and (before is None or to.rank > before.rank)
    if upgrade and to is not None and to.welcome_coupon_id is not None:
        await coupons.issue_automatic(
            template_id=to.welcome_coupon_id,
            customer_id=customer_id,
            store_id=store_id,
            reason_tier_upgrade=True,
            at=at,
        )


def _rank(row: CustomerTier | None, ladder: list[Tier]) -> int:
    if row is None or row.tier_id is None:
        return 0
    return next((t.rank for t in ladder if t.id == row.tier_id), 0)


async def reevaluate(
    *,
    store_id: int,
    customer_id: int,
    at: datetime,
    reason: TierChangeReason,
    order_id: int | None = None,
) -> None:
    """Upgrade at once if earned; note when the customer fell below the tier held.
    Call in a transaction."""
    ladder = await tiers_of(store_id)
    if not ladder:
        return
    await reevaluate_with(
        ladder=ladder,
        program=await program_of(store_id),
        row=await CustomerTier.get_or_none(customer_id=customer_id),
        store_id=store_id,
        customer_id=customer_id,
        at=at,
        reason=reason,
        order_id=order_id,
    )


async def reevaluate_with(
    *,
    ladder: list[Tier],
    program: TierProgram,
    row: CustomerTier | None,
    store_id: int,
    customer_id: int,
    at: datetime,
    reason: TierChangeReason,
    order_id: int | None = None,
) -> None:
    """``reevaluate`` with the store's ladder and programme read by the caller, and the
    customer's tier row as this transaction holds it."""
    if not ladder:
        return
    needed = await metrics(
        store_id,
        [customer_id],
        _since(program, at),
        orders=any(tier.min_amount or tier.min_visits for tier in ladder),
        points=any(tier.min_points for tier in ladder),
    )
    found = needed[customer_id]
    best = qualified(ladder, found)
    held = _rank(row, ladder)
    best_rank = best.rank if best else 0
    if best_rank > held:
        await move(
            store_id=store_id,
            customer_id=customer_id,
            row=row,
            ladder=ladder,
            to=best,
            reason=reason,
            at=at,
            order_id=order_id,
        )
    elif row is not None and best_rank == held and row.below_since is not None:
        await CustomerTier.filter(id=row.id).update(below_since=None)
    elif row is not None and best_rank < held:
        if reason == TierChangeReason.REFUND and await _earned_by(row, order_id):
            await move(
                store_id=store_id,
                customer_id=customer_id,
                row=row,
                ladder=ladder,
                to=best,
                reason=reason,
                at=at,
                order_id=order_id,
            )
        elif row.below_since is None:
            await CustomerTier.filter(id=row.id, below_since__isnull=True).update(below_since=at)


async def _earned_by(row: CustomerTier, order_id: int | None) -> bool:
    if order_id is None:
        return False
    last = await TierChange.filter(customer_id=row.customer_id).order_by("-id").first()
    return last is not None and last.order_id == order_id and last.to_tier_id == row.tier_id


async def evaluate_tiers(now: datetime) -> int:
    """The periodic evaluation: upgrades missed, and downgrades after the grace period.
    Returns the changes."""
    changed = 0
    store_ids: list[Any] = (
        await Tier.filter(is_deleted=False).distinct().values_list("store_id", flat=True)
    )
    for store_id in sorted({int(pk) for pk in store_ids}):
        changed += await _evaluate_store(store_id, now)
    return changed


async def _evaluate_store(store_id: int, now: datetime) -> int:
    ladder = await tiers_of(store_id)
    program = await program_of(store_id)
    since = _since(program, now)
    held: list[Any] = await CustomerTier.filter(store_id=store_id).values_list(
        "customer_id", flat=True
    )
    active: list[Any] = (
        await Order.filter(store_id=store_id, completed_at__gte=since, customer_id__isnull=False)
        .distinct()
        .values_list("customer_id", flat=True)
    )
    candidates = sorted({int(pk) for pk in (*held, *active)})
    grace = timedelta(days=program.downgrade_grace_days)
    changed = 0
    for start in range(0, len(candidates), BATCH):
        batch = candidates[start : start + BATCH]
        async with write_transaction():
            found = await metrics(store_id, batch, since)
            rows = {r.customer_id: r for r in await CustomerTier.filter(customer_id__in=batch)}
            for customer_id in batch:
                row = rows.get(customer_id)
                best = qualified(ladder, found[customer_id])
                best_rank, held_rank = (best.rank if best else 0), _rank(row, ladder)
                due = (
                    row is not None
                    and row.below_since is not None
                    and row.below_since <= now - grace
                )
                if best_rank > held_rank or (best_rank < held_rank and due):
                    await move(
                        store_id=store_id,
                        customer_id=customer_id,
                        row=row,
                        ladder=ladder,
                        to=best,
                        reason=TierChangeReason.PERIODIC_EVALUATION,
                        at=now,
                    )
                    changed += 1
                elif row is not None and best_rank < held_rank and row.below_since is None:
                    await CustomerTier.filter(id=row.id).update(below_since=now)
                elif row is not None and best_rank == held_rank and row.below_since is not None:
                    await CustomerTier.filter(id=row.id).update(below_since=None)
    return changed


async def history_of(customer_id: int, *, first: int, before_id: int | None) -> list[TierChange]:
    query = TierChange.filter(customer_id=customer_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(first + 1)
