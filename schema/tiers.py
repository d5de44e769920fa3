"""Membership tiers: the ladder, the programme, promotions, and a customer's standing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import NotFound as NotFoundError
from models.tiers import (
    Tier as TierModel,
    TierChange as TierChangeModel,
    TierProgram as TierProgramModel,
    TierPromotion as TierPromotionModel,
)
from resolvers.tiers import ladder, promotions, standing
from resolvers.tiers.ladder import program_of, tiers_of
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import DiscountKind, DiscountScope, TierChangeReason
from schema.errors import result
from schema.ids import Absent, decode_id, global_id
from schema.inputs import provided
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type(
    description="Reached when every criterion is met over the programme's rolling window."
)
class Tier(relay.Node):
    id: relay.NodeID[int]
    name: str
    rank: int = strawberry.field(description="1 is the lowest tier.")
    min_amount: int
    min_visits: int
    min_points: int
    discount_kind: DiscountKind
    discount_value: int = strawberry.field(description="Percent (1-100) or won.")
    discount_scope: DiscountScope
    discount_category_id: relay.GlobalID | None
    discount_product_id: relay.GlobalID | None
    earn_rate_bp: int | None = strawberry.field(description="Overrides the point programme's rate.")
    welcome_coupon_template_id: relay.GlobalID | None
    perks: list[str]
    created_at: datetime

    @classmethod
    def from_model(cls, tier: TierModel) -> "Tier":
        return cls(
            id=tier.id,
            name=tier.name,
            rank=tier.rank,
            min_amount=tier.min_amount,
            min_visits=tier.min_visits,
            min_points=tier.min_points,
            discount_kind=tier.discount_kind,
            discount_value=tier.discount_value,
            discount_scope=tier.discount_scope,
            discount_category_id=global_id("Category", tier.discount_category_id),
            discount_product_id=global_id("Product", tier.discount_product_id),
            earn_rate_bp=tier.earn_rate_bp,
            welcome_coupon_template_id=global_id("CouponTemplate", tier.welcome_coupon_id),
            perks=list(tier.perks or []),
            created_at=tier.created_at,
        )


@strawberry.type
class TierProgram:
    window_days: int
    downgrade_grace_days: int

    @classmethod
    def from_model(cls, program: TierProgramModel) -> "TierProgram":
        return cls(
            window_days=program.window_days, downgrade_grace_days=program.downgrade_grace_days
        )


@strawberry.type
class TierPromotion(relay.Node):
    id: relay.NodeID[int]
    name: str
    min_rank: int
    points_multiplier_bp: int = strawberry.field(description="20000 = double points.")
    starts_at: datetime
    ends_at: datetime

    @classmethod
    def from_model(cls, p: TierPromotionModel) -> "TierPromotion":
        return cls(
            id=p.id,
            name=p.name,
            min_rank=p.min_rank,
            points_multiplier_bp=p.points_multiplier_bp,
            starts_at=p.starts_at,
            ends_at=p.ends_at,
        )


@strawberry.type
class TierChange(relay.Node):
    id: relay.NodeID[int]
    from_tier_id: relay.GlobalID | None
    to_tier_id: relay.GlobalID | None
    reason: TierChangeReason
    order_id: relay.GlobalID | None
    created_at: datetime

    @classmethod
    def from_model(cls, c: TierChangeModel) -> "TierChange":
        return cls(
            id=c.id,
            from_tier_id=global_id("Tier", c.from_tier_id),
            to_tier_id=global_id("Tier", c.to_tier_id),
            reason=c.reason,
            order_id=global_id("Order", c.order_id),
            created_at=c.created_at,
        )


async def customer_tier(info: Info, customer_id: int) -> Tier | None:
    found = await info.context.loaders.batch(standing.current_tiers).load(customer_id)
    return Tier.from_model(found) if found else None


@strawberry.type
class TierChangeConnection(Connection[TierChange]):
    pass


@strawberry.type
class TierPromotionConnection(Connection[TierPromotion]):
    pass


async def customer_tier_history(
    customer_id: int, first: int | None, after: str | None
) -> TierChangeConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (int,))
    before_id = cursor[0] if cursor else None
    rows = await standing.history_of(customer_id, first=size, before_id=before_id)
    return connection(
        TierChangeConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=TierChange.from_model,
        has_previous=cursor is not None,
        total=TierChangeModel.filter(customer_id=customer_id).count,
    )


@strawberry.input
class CreateTierInput:
    store_id: relay.GlobalID
    name: str
    rank: int
    min_amount: int = 0
    min_visits: int = 0
    min_points: int = 0
    discount_kind: DiscountKind = DiscountKind.NONE
    discount_value: int = 0
    discount_scope: DiscountScope = DiscountScope.ALL
    discount_category_id: relay.GlobalID | None = None
    discount_product_id: relay.GlobalID | None = None
    earn_rate_bp: int | None = None
    welcome_coupon_template_id: relay.GlobalID | None = None
    perks: list[str] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given change; null clears an optional reference.")
class UpdateTierInput:
    tier_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    rank: int | None = strawberry.UNSET
    min_amount: int | None = strawberry.UNSET
    min_visits: int | None = strawberry.UNSET
    min_points: int | None = strawberry.UNSET
    discount_kind: DiscountKind | None = strawberry.UNSET
    discount_value: int | None = strawberry.UNSET
    discount_scope: DiscountScope | None = strawberry.UNSET
    discount_category_id: relay.GlobalID | None = strawberry.UNSET
    discount_product_id: relay.GlobalID | None = strawberry.UNSET
    earn_rate_bp: int | None = strawberry.UNSET
    welcome_coupon_template_id: relay.GlobalID | None = strawberry.UNSET
    perks: list[str] | None = strawberry.UNSET


@strawberry.input
class DeleteTierInput:
    tier_id: relay.GlobalID


@strawberry.input
class UpdateTierProgramInput:
    store_id: relay.GlobalID
    window_days: int | None = None
    downgrade_grace_days: int | None = None


@strawberry.input
class CreateTierPromotionInput:
    store_id: relay.GlobalID
    name: str
    from_tier_id: relay.GlobalID = strawberry.field(
        description="The promotion is for this tier and those above."
    )
    points_multiplier_bp: int
    starts_at: datetime
    ends_at: datetime
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first promotion and announces once."
    )


@strawberry.type
class TierSuccess:
    tier: Tier


@strawberry.type
class DeleteTierSuccess:
    deleted_tier_id: relay.GlobalID


@strawberry.type
class TierProgramSuccess:
    program: TierProgram


@strawberry.type
class TierPromotionSuccess:
    promotion: TierPromotion
    announced_to: int = strawberry.field(description="Members the promotion was announced to.")


TierResult = result(
    "TierResult",
    TierSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.TierLadderInvalid,
)
DeleteTierResult = result("DeleteTierResult", DeleteTierSuccess, errors.NotFound)
TierProgramResult = result(
    "TierProgramResult",
    TierProgramSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
TierPromotionResult = result(
    "TierPromotionResult",
    TierPromotionSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)

REFERENCES = {
    "discount_category_id": ("Category", "discountCategoryId"),
    "discount_product_id": ("Product", "discountProductId"),
    "welcome_coupon_template_id": ("CouponTemplate", "welcomeCouponTemplateId"),
}
# The fields of UpdateTierInput that a null clears (the others cannot be null).
NULLABLE = (*REFERENCES, "earn_rate_bp")


def ref(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise NotFoundError(f"No such {type_name}.", field=field) from exc


def _fields(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in REFERENCES:
            type_name, field = REFERENCES[name]
            key = "welcome_coupon_id" if name == "welcome_coupon_template_id" else name
            out[key] = ref(value, type_name, field)
        elif name == "perks":
            out[name] = tuple(value)
        else:
            out[name] = value
    return out


_tier_store = owner_store_of("input.tier_id", TierModel, "Tier")


@strawberry.type
class Mutation:
    @mutation(
        "tiers.manage", store=store_id_at("input.store_id"), absent="store", result=TierResult
    )
    async def create_tier(self, info: Info, input: CreateTierInput) -> TierSuccess:
        values = {k: v for k, v in vars(input).items() if k != "store_id"}
        tier = await ladder.create_tier(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            fields=ladder.TierFields(**_fields(values)),
        )
        return TierSuccess(tier=Tier.from_model(tier))

    @mutation("tiers.manage", store=_tier_store, absent="tier", result=TierResult)
    async def update_tier(self, info: Info, input: UpdateTierInput) -> TierSuccess:
        given = provided(input, "tier_id", nullable=NULLABLE)
        tier = await ladder.update_tier(
            info.context, tier_id=decode_id(input.tier_id, "Tier"), changes=_fields(given)
        )
        return TierSuccess(tier=Tier.from_model(tier))

    @mutation("tiers.manage", store=_tier_store, absent="tier", result=DeleteTierResult)
    async def delete_tier(self, info: Info, input: DeleteTierInput) -> DeleteTierSuccess:
        pk = await ladder.delete_tier(info.context, tier_id=decode_id(input.tier_id, "Tier"))
        return DeleteTierSuccess(deleted_tier_id=global_id("Tier", pk))

    @mutation(
        "tiers.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=TierProgramResult,
    )
    async def update_tier_program(
        self, info: Info, input: UpdateTierProgramInput
    ) -> TierProgramSuccess:
        program = await ladder.update_program(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            window_days=input.window_days,
            downgrade_grace_days=input.downgrade_grace_days,
        )
        return TierProgramSuccess(program=TierProgram.from_model(program))

    @mutation(
        "tiers.promotions.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=TierPromotionResult,
    )
    async def create_tier_promotion(
        self, info: Info, input: CreateTierPromotionInput
    ) -> TierPromotionSuccess:
        promotion, announced = await promotions.create_promotion(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            from_tier_id=ref(input.from_tier_id, "Tier", "fromTierId") or 0,
            points_multiplier_bp=input.points_multiplier_bp,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            idempotency_key=input.idempotency_key,
        )
        return TierPromotionSuccess(
            promotion=TierPromotion.from_model(promotion), announced_to=announced
        )


@strawberry.type
class StoreTiers(StoreProfile):
    @query("tiers.read", store=source_store())
    async def tiers(self, info: Info) -> list[Tier]:
        return [Tier.from_model(tier) for tier in await tiers_of(self.id)]

    @query("tiers.read", store=source_store())
    async def tier_program(self, info: Info) -> TierProgram:
        return TierProgram.from_model(await program_of(self.id))

    @query("tiers.read", store=source_store(), description="Latest start first.")
    async def tier_promotions(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> TierPromotionConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (datetime, int))
        rows = await promotions.promotions_page(store_id=self.id, size=size, after=cursor)
        return connection(
            TierPromotionConnection,
            rows,
            size,
            key=lambda row: [row.starts_at, row.id],
            node=TierPromotion.from_model,
            has_previous=cursor is not None,
            total=TierPromotionModel.filter(store_id=self.id).count,
        )


@strawberry.type
class CustomerTiers(CustomerProfile):
    @query("tiers.read", store=customer_store)
    async def tier(self, info: Info) -> Tier | None:

        return await customer_tier(info, self.id)

    @query("tiers.read", store=customer_store)
    async def tier_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> TierChangeConnection:

        return await customer_tier_history(self.id, first, after)
