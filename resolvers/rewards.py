"""The rewards catalogue (E2) and redemptions: points or stamps spent on a reward, into an order.

A redemption is APPROVED at once, or PENDING until staff approve it when the
reward requires approval; rejecting gives the points back. Checkout applies
APPROVED redemptions to an order (``apply_to_order``); cancelling the order
gives them back (``return_for_order``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import write_transaction
from core.errors import (
    InsufficientStamps,
    InvalidInput,
    NotFound,
    RedemptionAlreadyApplied,
    RedemptionNotApproved,
    RedemptionNotCancellable,
    RedemptionNotPending,
    RedemptionOfAnotherCustomer,
    RewardInactive,
)
from models.catalogue import Product
from models.customers import Customer
from models.notifications import NotificationKind
from models.points import PointBalance, PointEntry, PointKind, PointSource
from models.rewards import Redemption, RedemptionStatus, Reward, StampBalance, StampEntry
from policies.catalogue import STORE_ROLES
from resolvers import audit, idempotency, outbox
from resolvers.alerts import raise_alert
from resolvers.points import ledger

MAX_NAME = 100
MAX_COST = 100_000_000


@dataclass(frozen=True)
class AppliedReward:
    redemption_id: int
    amount: int
    description: str
    gift_product_id: int | None


def _now() -> datetime:
    return datetime.now(UTC)


async def _check_reward(store_id: int, values: dict[str, Any]) -> None:
    name = values.get("name")
    if name is not None and not 1 <= len(name.strip()) <= MAX_NAME:
        raise InvalidInput(f"A name is 1 to {MAX_NAME} characters.", field="name")
    points, stamps = values.get("cost_points"), values.get("cost_stamps")
    if (points is None) == (stamps is None):
        raise InvalidInput("A reward costs either points or stamps.", field="cost_points")
    for field, unit, cost in (("cost_points", "points", points), ("cost_stamps", "stamps", stamps)):
        if cost is not None and not 1 <= cost <= MAX_COST:
            raise InvalidInput(f"A cost in {unit} is between 1 and {MAX_COST}.", field=field)
    if values.get("value", 0) < 0:
        raise InvalidInput("value cannot be negative.", field="value")
    product_id = values.get("product_id")
    if product_id is not None and not await Product.exists(id=product_id, store_id=store_id):
        raise NotFound("No such product.", field="product_id")


async def create_reward(
    ctx: Context,
    *,
    store_id: int,
    name: str,
    cost_points: int | None = None,
    cost_stamps: int | None = None,
    product_id: int | None = None,
    value: int = 0,
    requires_approval: bool = False,
) -> Reward:
    values: dict[str, Any] = dict(
        name=name.strip(),
        cost_points=cost_points,
        cost_stamps=cost_stamps,
        product_id=product_id,
        value=value,
        requires_approval=requires_approval,
    )
    await _check_reward(store_id, values)
    async with write_transaction():
        return await Reward.create(store_id=store_id, **values)


async def update_reward(ctx: Context, *, reward_id: int, changes: dict[str, Any]) -> Reward:
    """``changes`` holds only the fields given; an explicit None clears a cost or the product."""
    async with write_transaction():
        reward = await Reward.get_or_none(id=reward_id)
        if reward is None:
            raise NotFound("No such reward.", field="reward_id")
        for name in ("name", "value", "requires_approval", "is_active"):
            if name in changes and changes[name] is None:
                raise InvalidInput(f"{name} cannot be null.", field=name)
        if "name" in changes:
            changes["name"] = changes["name"].strip()
        current = {
            "name": reward.name,
            "cost_points": reward.cost_points,
            "cost_stamps": reward.cost_stamps,
            "product_id": reward.product_id,
            "value": reward.value,
        }
        await _check_reward(reward.store_id, {**current, **changes})
        if changes:
            await Reward.filter(id=reward_id).update(**changes)
        return await Reward.get(id=reward_id)


def rewards_query(*, store_id: int, include_inactive: bool) -> QuerySet[Reward]:
    query = Reward.filter(store_id=store_id)
    return query if include_inactive else query.filter(is_active=True)


def redemptions_query(
    *, store_id: int, status: RedemptionStatus | None, customer_id: int | None = None
) -> QuerySet[Redemption]:
    query = Redemption.filter(store_id=store_id)
    if status is not None:
        query = query.filter(status=status)
    if customer_id is not None:
        query = query.filter(customer_id=customer_id)
    return query


async def rewards_page(
    *, store_id: int, size: int, after_id: int | None, include_inactive: bool
) -> list[Reward]:
    query = rewards_query(store_id=store_id, include_inactive=include_inactive)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)


async def redemptions_page(
    *,
    store_id: int,
    status: RedemptionStatus | None,
    size: int,
    after_id: int | None,
    customer_id: int | None = None,
) -> list[Redemption]:
    """Oldest first, e.g. the PENDING ones waiting for staff."""
    query = redemptions_query(store_id=store_id, status=status, customer_id=customer_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)


async def _spend_stamps(redemption: Redemption, stamps: int, reason: str) -> None:
    customer_id: int = redemption.customer_id
    taken = await StampBalance.filter(customer_id=customer_id, stamps__gte=stamps).update(
        stamps=F("stamps") - stamps, updated_at=_now()
    )
    if not taken:
        found: list[Any] = await StampBalance.filter(customer_id=customer_id).values_list(
            "stamps", flat=True
        )
        available = int(found[0]) if found else 0
        raise InsufficientStamps(
            f"The customer has {available} stamps; {stamps} are needed.",
            field="reward_id",
            available=available,
        )
    await _stamp_entry(redemption, -stamps, reason)


async def _stamp_entry(redemption: Redemption, amount: int, reason: str) -> None:
    customer_id: int = redemption.customer_id
    after: list[Any] = await StampBalance.filter(customer_id=customer_id).values_list(
        "stamps", flat=True
    )
    await StampEntry.create(
        store_id=redemption.store_id,
        customer_id=customer_id,
        amount=amount,
        balance_after=int(after[0]),
        reason=reason,
        order_id=redemption.order_id,
    )


async def _give_back(redemption: Redemption, kind_reason: str) -> None:
    store_id: int = redemption.store_id
    customer_id: int = redemption.customer_id
    if redemption.points_spent:
        spent: list[Any] = await PointEntry.filter(
            kind=PointKind.REDEEM, reference_type="redemption", reference_id=str(redemption.id)
        ).values_list("expires_at", flat=True)
        await ledger.credit(
            store_id,
            customer_id,
            redemption.points_spent,
            kind=PointKind.REDEEM_RETURN,
            source=PointSource.REWARD,
            reference=ledger.Reference(
                type="redemption",
                id=redemption.id,
                order_id=redemption.order_id,
                reason=kind_reason,
            ),
            expires_at=spent[0] if spent else None,
        )
    if redemption.stamps_spent:
        await StampBalance.filter(customer_id=customer_id).update(
            stamps=F("stamps") + redemption.stamps_spent, updated_at=_now()
        )
        await _stamp_entry(redemption, redemption.stamps_spent, kind_reason)


async def _notify_approvers(ctx: Context, redemption: Redemption, reward: Reward) -> None:
    """An alert to the staff who may approve, as each chose, and a message to each of them."""
    store_id: int = redemption.store_id
    payload = {"redemption_id": redemption.id, "reward": reward.name}
    alerts = await raise_alert(
        ctx,
        store_id=store_id,
        kind=NotificationKind.REWARD_APPROVAL,
        payload=payload,
        roles=STORE_ROLES,
    )
    for alert in alerts:
        await outbox.enqueue(
            store_id=store_id,
            account_id=alert.recipient_id,
            kind="redemption_approval_needed",
            payload=payload,
        )


async def redeem_reward(
    ctx: Context, *, customer_id: int, reward_id: int, idempotency_key: str
) -> int:
    """Spend the reward's price; returns the redemption's id (the same one for a retry)."""
    customer = await Customer.get_or_none(id=customer_id)
    if customer is None:
        raise NotFound("No such customer.", field="customer_id")
    store_id: int = customer.store_id
    principal = await ctx.principal()

    async def execute() -> idempotency.Result:
        reward = await Reward.get_or_none(id=reward_id, store_id=store_id)
        if reward is None:
            raise NotFound("No such reward.", field="reward_id")
        if not reward.is_active:
            raise RewardInactive(f"{reward.name} is no longer offered.", field="reward_id")
        pending = reward.requires_approval
        redemption = await Redemption.create(
            store_id=store_id,
            customer_id=customer_id,
            reward_id=reward.id,
            status=RedemptionStatus.PENDING if pending else RedemptionStatus.APPROVED,
            points_spent=reward.cost_points or 0,
            stamps_spent=reward.cost_stamps or 0,
            requested_by_id=principal.account_id,
        )
        if reward.cost_points:
            await ledger.debit(
                store_id,
                customer_id,
                reward.cost_points,
                kind=PointKind.REDEEM,
                source=PointSource.REWARD,
                reference=ledger.Reference(
                    type="redemption", id=redemption.id, created_by_id=principal.account_id
                ),
            )
        if reward.cost_stamps:
            await _spend_stamps(redemption, reward.cost_stamps, "REDEEM")
        if pending:
            await _notify_approvers(ctx, redemption, reward)
        else:
            await Customer.filter(id=customer_id).update(reward_uses=F("reward_uses") + 1)
        return {"redemption_id": redemption.id}

    result = await idempotency.run_once(
        store_id=store_id,
        operation="rewards.redeem",
        key=idempotency_key,
        request={"customer": customer_id, "reward": reward_id},
        execute=execute,
    )
    return int(result["redemption_id"])


async def approve_redemption(
    ctx: Context, *, redemption_id: int, approve: bool, idempotency_key: str | None = None
) -> Redemption:
    """PENDING → APPROVED, or → REJECTED with the points or stamps given back; under an
    idempotency key a retry answers the first decision and gives nothing back twice."""
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    found: list[Any] = await Redemption.filter(id=redemption_id).values_list("store_id", flat=True)
    if not found:
        raise NotFound("No such redemption.", field="redemption_id")
    principal = await ctx.principal()

    async def execute() -> idempotency.Result:
        moved = await Redemption.filter(id=redemption_id, status=RedemptionStatus.PENDING).update(
            status=RedemptionStatus.APPROVED if approve else RedemptionStatus.REJECTED,
            decided_by_id=principal.account_id,
            decided_at=_now(),
        )
        redemption = await Redemption.get(id=redemption_id)
        if not moved:
            raise RedemptionNotPending(
                f"The redemption is {redemption.status.value}, not PENDING.",
                field="redemption_id",
                status=redemption.status,
            )
        if approve:
            await Customer.filter(id=redemption.customer_id).update(
                reward_uses=F("reward_uses") + 1
            )
        else:
            await _give_back(redemption, "REJECTED")
        return {"redemption_id": redemption_id}

    await idempotency.run(
        store_id=int(found[0]),
        operation="rewards.approve",
        key=idempotency_key,
        request={"redemption": redemption_id, "approve": approve},
        execute=execute,
    )
    return await Redemption.get(id=redemption_id)


async def _refusal(
    redemption: Redemption | None, store_id: int, customer_id: int | None, field: str
) -> Exception:
    if redemption is None or redemption.store_id != store_id:
        return NotFound("No such redemption.", field=field)
    if redemption.customer_id != customer_id:
        return RedemptionOfAnotherCustomer("The redemption is another customer's.", field=field)
    if redemption.status == RedemptionStatus.APPLIED:
        return RedemptionAlreadyApplied(
            "The redemption is already applied to an order.",
            field=field,
            order_id=redemption.order_id,
        )
    return RedemptionNotApproved(
        f"The redemption is {redemption.status.value}, not APPROVED.",
        field=field,
        status=redemption.status,
    )


async def apply_to_order(
    *, store_id: int, customer_id: int | None, order_id: int, redemption_ids: list[int]
) -> list[AppliedReward]:
    """Mark APPROVED redemptions APPLIED to the order; call it inside the checkout's transaction.

    An order without a customer (``customer_id`` None) owns no redemption.
    """
    if len(set(redemption_ids)) != len(redemption_ids):
        raise InvalidInput("A redemption is listed twice.", field="redemption_ids")
    applied = []
    for index, redemption_id in enumerate(redemption_ids):
        moved = await Redemption.filter(
            id=redemption_id,
            store_id=store_id,
            customer_id=customer_id,
            status=RedemptionStatus.APPROVED,
        ).update(status=RedemptionStatus.APPLIED, order_id=order_id)
        redemption = await Redemption.get_or_none(id=redemption_id).prefetch_related("reward")
        if not moved or redemption is None:
            raise await _refusal(redemption, store_id, customer_id, f"redemption_ids.{index}")
        reward: Reward = redemption.reward
        applied.append(
            AppliedReward(
                redemption_id=redemption.id,
                amount=reward.value,
                description=reward.name,
                gift_product_id=reward.product_id,
            )
        )
    return applied


async def return_for_order(*, order_id: int) -> int:
    """Give back the points and stamps of the order's APPLIED redemptions; returns how many."""
    returned = 0
    for redemption in await Redemption.filter(order_id=order_id, status=RedemptionStatus.APPLIED):
        moved = await Redemption.filter(id=redemption.id, status=RedemptionStatus.APPLIED).update(
            status=RedemptionStatus.RETURNED
        )
        if moved:
            await _give_back(redemption, "ORDER_CANCELLED")
            await Customer.filter(id=redemption.customer_id, reward_uses__gt=0).update(
                reward_uses=F("reward_uses") - 1
            )
            returned += 1
    return returned


CANCELLABLE = (RedemptionStatus.PENDING, RedemptionStatus.APPROVED)


async def cancel_redemption(ctx: Context, *, redemption_id: int) -> Redemption:
    """Drop a chosen reward before payment (K1): PENDING or APPROVED, in no order yet, becomes
    RETURNED and its points or stamps come back. Once applied to an order, cancelling the
    order gives them back instead."""
    principal = await ctx.principal()
    async with write_transaction():
        found = await Redemption.get_or_none(id=redemption_id)
        if found is None:
            raise NotFound("No such redemption.", field="redemption_id")
        moved = await Redemption.filter(
            id=redemption_id, status__in=CANCELLABLE, order_id__isnull=True
        ).update(status=RedemptionStatus.RETURNED, decided_by_id=principal.account_id)
        if not moved:
            current = await Redemption.get(id=redemption_id)
            if current.status == RedemptionStatus.APPLIED:
                raise RedemptionAlreadyApplied(
                    "The redemption is in an order: cancel the order instead.",
                    field="redemption_id",
                    order_id=current.order_id,
                )
            raise RedemptionNotCancellable(
                f"The redemption is {current.status.value}; only a PENDING or APPROVED one "
                "can be cancelled.",
                field="redemption_id",
                status=current.status,
            )
        await _give_back(found, "CANCELLED")
        if found.status == RedemptionStatus.APPROVED:
            await Customer.filter(id=found.customer_id, reward_uses__gt=0).update(
                reward_uses=F("reward_uses") - 1
            )
        await audit.record(
            ctx,
            store_id=found.store_id,
            action="rewards.cancel",
            target_type="redemption",
            target_id=redemption_id,
            before={"status": found.status.value},
            after={
                "status": RedemptionStatus.RETURNED.value,
                "points": found.points_spent,
                "stamps": found.stamps_spent,
            },
        )
    return await Redemption.get(id=redemption_id)


async def affordable_query(*, store_id: int, customer_id: int) -> QuerySet[Reward]:
    """The store's active rewards the customer's points or stamps pay for now (K1)."""
    points: list[Any] = await PointBalance.filter(customer_id=customer_id).values_list(
        "balance", flat=True
    )
    stamps: list[Any] = await StampBalance.filter(customer_id=customer_id).values_list(
        "stamps", flat=True
    )
    balance = int(points[0]) if points else 0
    held = int(stamps[0]) if stamps else 0
    return Reward.filter(store_id=store_id, is_active=True).filter(
        Q(cost_points__gt=0, cost_points__lte=balance) | Q(cost_stamps__gt=0, cost_stamps__lte=held)
    )


async def affordable_page(
    *, store_id: int, customer_id: int, size: int, after_id: int | None
) -> list[Reward]:
    """Oldest reward first; one more than ``size``, to tell whether more exist."""
    query = await affordable_query(store_id=store_id, customer_id=customer_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)
