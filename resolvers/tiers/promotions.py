"""Tier promotions (F5): time-boxed point multipliers for the tiers from a rank up,
announced to members."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core.context import Context
from core.errors import InvalidInput, NotFound
from models.outbox import OutboxMessage
from models.tiers import CustomerTier, Tier, TierPromotion
from resolvers import audit, idempotency
from resolvers.tiers.standing import current_tier

NO_MULTIPLIER = 10_000
MAX_DAYS = 366
ANNOUNCE_BATCH = 500


async def create_promotion(
    ctx: Context,
    *,
    store_id: int,
    name: str,
    from_tier_id: int,
    points_multiplier_bp: int,
    starts_at: datetime,
    ends_at: datetime,
    idempotency_key: str | None = None,
) -> tuple[TierPromotion, int]:
    """The promotion and the number of members it was announced to; under an idempotency key a
    retry answers the first promotion and announces nothing twice."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise InvalidInput("A promotion name is 1 to 100 characters.", field="name")
    if not NO_MULTIPLIER < points_multiplier_bp <= 100_000:
        raise InvalidInput(
            "The multiplier is above 10000 and at most 100000 basis points.",
            field="points_multiplier_bp",
        )
    for value, field in ((starts_at, "starts_at"), (ends_at, "ends_at")):
        if value.utcoffset() is None:
            raise InvalidInput("Times need a time zone offset.", field=field)
    now = datetime.now(UTC)
    if ends_at <= starts_at or ends_at <= now:
        raise InvalidInput("A promotion ends after it starts, in the future.", field="ends_at")
    if ends_at - starts_at > timedelta(days=MAX_DAYS):
        raise InvalidInput(f"A promotion lasts at most {MAX_DAYS} days.", field="ends_at")
    tier = await Tier.get_or_none(id=from_tier_id, store_id=store_id, is_deleted=False)
    if tier is None:
        raise NotFound("No such tier.", field="from_tier_id")
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)

    async def execute() -> idempotency.Result:
        promotion = await TierPromotion.create(
            store_id=store_id,
            name=name,
            min_rank=tier.rank,
            points_multiplier_bp=points_multiplier_bp,
            starts_at=starts_at,
            ends_at=ends_at,
        )
        announced = await _announce(promotion, max(starts_at, now))
        await audit.record(
            ctx,
            store_id=store_id,
            action="tiers.promotions.create",
            target_type="tier_promotion",
            target_id=promotion.id,
            after={
                "name": name,
                "min_rank": tier.rank,
                "points_multiplier_bp": points_multiplier_bp,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "announced": announced,
            },
        )
        return {"promotion_id": promotion.id, "announced": announced}

    result = await idempotency.run(
        store_id=store_id,
        operation="tiers.promotions.create",
        key=idempotency_key,
        request={
            "name": name,
            "from_tier": from_tier_id,
            "points_multiplier_bp": points_multiplier_bp,
            "starts_at": starts_at.astimezone(UTC).isoformat(),
            "ends_at": ends_at.astimezone(UTC).isoformat(),
        },
        execute=execute,
    )
    return await TierPromotion.get(id=int(result["promotion_id"])), int(result["announced"])


async def _announce(promotion: TierPromotion, available_at: datetime) -> int:
    store_id: int = promotion.store_id
    tier_ids = await Tier.filter(
        store_id=store_id, is_deleted=False, rank__gte=promotion.min_rank
    ).values_list("id", flat=True)
    members: list[Any] = (
        await CustomerTier.filter(tier_id__in=list(tier_ids))
        .order_by("customer_id")
        .values_list("customer_id", flat=True)
    )
    payload = {
        "promotion": promotion.name,
        "points_multiplier_bp": promotion.points_multiplier_bp,
        "starts_at": promotion.starts_at.isoformat(),
        "ends_at": promotion.ends_at.isoformat(),
    }
    for start in range(0, len(members), ANNOUNCE_BATCH):
        await OutboxMessage.bulk_create(
            [
                OutboxMessage(
                    store_id=store_id,
                    customer_id=int(customer_id),
                    kind="tier.promotion",
                    payload=payload,
                    available_at=available_at,
                )
                for customer_id in members[start : start + ANNOUNCE_BATCH]
            ]
        )
    return len(members)


async def promotions_page(
    *, store_id: int, size: int, after: tuple[datetime, int] | None
) -> list[TierPromotion]:
    """Latest start first; one more than ``size``, to tell whether more exist."""
    query = TierPromotion.filter(store_id=store_id)
    if after is not None:
        starts_at, pk = after
        query = query.filter(Q(starts_at__lt=starts_at) | Q(starts_at=starts_at, id__lt=pk))
    return await query.order_by("-starts_at", "-id").limit(size + 1)


async def multiplier_for(store_id: int, rank: int, at: datetime) -> int:
    found: list[Any] = await TierPromotion.filter(
        store_id=store_id, min_rank__lte=rank, starts_at__lte=at, ends_at__gt=at
    ).values_list("points_multiplier_bp", flat=True)
    return max((int(value) for value in found), default=NO_MULTIPLIER)


async def earn_terms(*, store_id: int, customer_id: int, at: datetime) -> tuple[int | None, int]:
    """The tier's earn rate (None: the programme's) and the promotion multiplier,
    at the tier held now."""
    tier = await current_tier(customer_id)
    if tier is None:
        return None, NO_MULTIPLIER
    return tier.earn_rate_bp, await multiplier_for(store_id, tier.rank, at)
