"""A store's tier ladder: ordered ranks whose criteria grow strictly harder with the rank.

A tier is reached when every one of its criteria (amount paid, visits,
activity points over the programme's rolling window) is met. Going up the
ladder no criterion may fall and at least one must rise, so a customer who
qualifies for a tier qualifies for every tier below it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import InvalidInput, NotFound, TierLadderInvalid
from models.catalogue import Category, Product
from models.coupons import CouponTemplate
from models.stores import Store
from models.tiers import (
    CustomerTier,
    DiscountKind,
    DiscountScope,
    Tier,
    TierChange,
    TierChangeReason,
    TierProgram,
)
from resolvers import audit, outbox

CRITERIA = ("min_amount", "min_visits", "min_points")
MAX_RANK = 100
MAX_CRITERION = 10**12


@dataclass(frozen=True)
class TierFields:
    name: str
    rank: int
    min_amount: int = 0
    min_visits: int = 0
    min_points: int = 0
    discount_kind: DiscountKind = DiscountKind.NONE
    discount_value: int = 0
    discount_scope: DiscountScope = DiscountScope.ALL
    discount_category_id: int | None = None
    discount_product_id: int | None = None
    earn_rate_bp: int | None = None
    welcome_coupon_id: int | None = None
    perks: tuple[str, ...] = field(default_factory=tuple)

    @classmethod
    def of(cls, tier: Tier) -> "TierFields":
        values = {name: getattr(tier, name) for name in cls.__dataclass_fields__ if name != "perks"}
        return cls(**values, perks=tuple(tier.perks or ()))

    def values(self) -> dict[str, Any]:
        data = asdict(self)
        data["perks"] = list(self.perks)
        return data


def _check_fields(f: TierFields) -> None:
    if not 1 <= len(f.name.strip()) <= 50:
        raise InvalidInput("A tier name is 1 to 50 characters.", field="name")
    if not 1 <= f.rank <= MAX_RANK:
        raise InvalidInput(f"A rank is between 1 and {MAX_RANK}.", field="rank")
    for name in CRITERIA:
        if not 0 <= getattr(f, name) <= MAX_CRITERION:
            raise InvalidInput("A criterion is zero or more.", field=name)
    if f.discount_kind == DiscountKind.NONE and f.discount_value != 0:
        raise InvalidInput(
            "A tier without a discount has no discount value.", field="discount_value"
        )
    if f.discount_kind == DiscountKind.PERCENT and not 1 <= f.discount_value <= 100:
        raise InvalidInput("A percent discount is 1 to 100.", field="discount_value")
    if f.discount_kind == DiscountKind.FIXED and not 1 <= f.discount_value <= MAX_CRITERION:
        raise InvalidInput("A fixed discount is a positive amount.", field="discount_value")
    wants_category = f.discount_scope == DiscountScope.CATEGORY
    wants_product = f.discount_scope == DiscountScope.PRODUCT
    if wants_category != (f.discount_category_id is not None):
        raise InvalidInput(
            "A category discount names its category, no other does.", field="discount_category_id"
        )
    if wants_product != (f.discount_product_id is not None):
        raise InvalidInput(
            "A product discount names its product, no other does.", field="discount_product_id"
        )
    if f.earn_rate_bp is not None and not 0 <= f.earn_rate_bp <= 100_000:
        raise InvalidInput("An earn rate is 0 to 100000 basis points.", field="earn_rate_bp")
    if len(f.perks) > 20 or any(not 1 <= len(perk) <= 100 for perk in f.perks):
        raise InvalidInput("At most 20 perks of 1 to 100 characters.", field="perks")


async def _check_references(store_id: int, f: TierFields) -> None:
    checks = (
        (f.discount_category_id, Category, "discount_category_id", "category"),
        (f.discount_product_id, Product, "discount_product_id", "product"),
        (f.welcome_coupon_id, CouponTemplate, "welcome_coupon_template_id", "coupon template"),
    )
    for pk, model, field_name, label in checks:
        if pk is not None and not await model.exists(id=pk, store_id=store_id):
            raise NotFound(f"No such {label}.", field=field_name)


def check_ladder(ladder: list[tuple[int | None, TierFields]]) -> None:
    """``ladder``: (tier id or None for the new one, fields).
    Raises on a rank taken or criteria overlapping."""
    ordered = sorted(ladder, key=lambda item: item[1].rank)
    for (low_id, low), (high_id, high) in pairwise(ordered):
        other = low_id if high_id is None else high_id
        conflicting = other
        if low.rank == high.rank:
            raise TierLadderInvalid(
                f"Rank {high.rank} is already taken.", field="rank", conflicting_tier_id=conflicting
            )
        falling = [name for name in CRITERIA if getattr(high, name) < getattr(low, name)]
        if falling:
            raise TierLadderInvalid(
                f"{high.name} must not ask less than {low.name} below it.",
                field=falling[0],
                conflicting_tier_id=conflicting,
            )
        if all(getattr(high, name) == getattr(low, name) for name in CRITERIA):
            raise TierLadderInvalid(
                f"{high.name} and {low.name} have the same criteria: one must ask more.",
                field="min_amount",
                conflicting_tier_id=conflicting,
            )


async def program_of(store_id: int) -> TierProgram:
    """The store's programme, or the defaults (unsaved) while the owner has set none."""
    found = await TierProgram.get_or_none(store_id=store_id)
    return found if found is not None else TierProgram(store_id=store_id)


async def _lock_ladder(store_id: int) -> None:
    """Edits of one store's ladder run one at a time."""
    await lock_rows(Store, id=store_id)


async def tiers_of(store_id: int) -> list[Tier]:
    return await Tier.filter(store_id=store_id, is_deleted=False).order_by("rank")


async def _tier(store_id: int | None, tier_id: int) -> Tier:
    query = Tier.filter(id=tier_id, is_deleted=False)
    if store_id is not None:
        query = query.filter(store_id=store_id)
    found = await query.first()
    if found is None:
        raise NotFound("No such tier.", field="tier_id")
    return found


async def create_tier(ctx: Context, *, store_id: int, fields: TierFields) -> Tier:
    fields = replace(fields, name=fields.name.strip())
    _check_fields(fields)
    async with write_transaction():
        await _lock_ladder(store_id)
        await _check_references(store_id, fields)
        ladder = [(t.id, TierFields.of(t)) for t in await tiers_of(store_id)]
        check_ladder([*ladder, (None, fields)])
        tier = await Tier.create(store_id=store_id, **fields.values())
        await audit.record(
            ctx,
            store_id=store_id,
            action="tiers.create",
            target_type="tier",
            target_id=tier.id,
            after=fields.values(),
        )
    return tier


async def update_tier(ctx: Context, *, tier_id: int, changes: dict[str, Any]) -> Tier:
    tier = await _tier(None, tier_id)
    store_id: int = tier.store_id
    async with write_transaction():
        await _lock_ladder(store_id)
        tier = await _tier(store_id, tier_id)
        before = TierFields.of(tier)
        after = replace(before, **changes)
        after = replace(after, name=after.name.strip(), perks=tuple(after.perks))
        _check_fields(after)
        await _check_references(store_id, after)
        ladder = [(t.id, TierFields.of(t)) for t in await tiers_of(store_id) if t.id != tier_id]
        check_ladder([*ladder, (tier_id, after)])
        await Tier.filter(id=tier_id).update(**after.values())
        await audit.record(
            ctx,
            store_id=store_id,
            action="tiers.update",
            target_type="tier",
            target_id=tier_id,
            before=before.values(),
            after=after.values(),
        )
    return await Tier.get(id=tier_id)


async def delete_tier(ctx: Context, *, tier_id: int) -> int:
    """The tier leaves the ladder;
    its members move to the tier below it (or none), reason MANUAL."""
    tier = await _tier(None, tier_id)
    store_id: int = tier.store_id
    now = datetime.now(UTC)
    async with write_transaction():
        await _lock_ladder(store_id)
        tier = await _tier(store_id, tier_id)
        below = (
            await Tier.filter(store_id=store_id, is_deleted=False, rank__lt=tier.rank)
            .order_by("-rank")
            .first()
        )
        members: list[Any] = await CustomerTier.filter(tier_id=tier_id).values_list(
            "customer_id", flat=True
        )
        await TierChange.bulk_create(
            [
                TierChange(
                    store_id=store_id,
                    customer_id=customer_id,
                    from_tier_id=tier_id,
                    to_tier_id=below.id if below else None,
                    reason=TierChangeReason.MANUAL,
                )
                for customer_id in members
            ]
        )
        await CustomerTier.filter(tier_id=tier_id).update(
            tier_id=below.id if below else None, since=now, below_since=None
        )
        for customer_id in members:
            await outbox.enqueue(
                store_id=store_id,
                customer_id=int(customer_id),
                kind="tier.changed",
                payload={
                    "from": tier.name,
                    "to": below.name if below else None,
                    "reason": "MANUAL",
                },
            )
        await Tier.filter(id=tier_id).update(is_deleted=True)
        await audit.record(
            ctx,
            store_id=store_id,
            action="tiers.delete",
            target_type="tier",
            target_id=tier_id,
            before=TierFields.of(tier).values(),
            after={"members_moved": len(members)},
        )
    return tier_id


async def update_program(
    ctx: Context, *, store_id: int, window_days: int | None, downgrade_grace_days: int | None
) -> TierProgram:
    if window_days is not None and not 1 <= window_days <= 3650:
        raise InvalidInput("The window is 1 to 3650 days.", field="window_days")
    if downgrade_grace_days is not None and not 0 <= downgrade_grace_days <= 3650:
        raise InvalidInput("The grace period is 0 to 3650 days.", field="downgrade_grace_days")
    before = await program_of(store_id)
    changes: dict[str, Any] = {
        name: value
        for name, value in (
            ("window_days", window_days),
            ("downgrade_grace_days", downgrade_grace_days),
        )
        if value is not None
    }
    async with write_transaction():
        await _lock_ladder(store_id)
        if not await TierProgram.filter(store_id=store_id).update(
            **changes, updated_at=datetime.now(UTC)
        ):
            await TierProgram.create(store_id=store_id, **changes)
        await audit.record(
            ctx,
            store_id=store_id,
            action="tiers.program.update",
            target_type="tier_program",
            target_id=store_id,
            before={
                "window_days": before.window_days,
                "downgrade_grace_days": before.downgrade_grace_days,
            },
            after=changes,
        )
    return await TierProgram.get(store_id=store_id)
