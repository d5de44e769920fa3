"""Coupons: templates, issuing, and a customer's coupons."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.coupons import (
    Coupon as CouponModel,
    CouponTemplate as CouponTemplateModel,
)
from resolvers import coupons
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import CouponKind, CouponTrigger
from schema.errors import result
from schema.ids import decode_id, global_id
from schema.inputs import provided
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile
from schema.tiers import ref


@strawberry.type
class CouponTemplate(relay.Node):
    id: relay.NodeID[int]
    name: str
    kind: CouponKind
    value: int = strawberry.field(description="Percent (1-100) or won; 0 for a free item.")
    max_discount: int | None
    minimum_spend: int
    product_id: relay.GlobalID | None
    category_id: relay.GlobalID | None
    valid_days: int
    trigger: CouponTrigger
    is_active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, t: CouponTemplateModel) -> "CouponTemplate":
        return cls(
            id=t.id,
            name=t.name,
            kind=t.kind,
            value=t.value,
            max_discount=t.max_discount,
            minimum_spend=t.minimum_spend,
            product_id=global_id("Product", t.product_id),
            category_id=global_id("Category", t.category_id),
            valid_days=t.valid_days,
            trigger=t.trigger,
            is_active=t.is_active,
            created_at=t.created_at,
        )


@strawberry.type
class Coupon(relay.Node):
    id: relay.NodeID[int]
    template: CouponTemplate
    issued_reason: CouponTrigger
    issued_at: datetime
    expires_at: datetime
    used_at: datetime | None
    order_id: relay.GlobalID | None

    @classmethod
    def from_model(cls, c: CouponModel) -> "Coupon":
        return cls(
            id=c.id,
            template=CouponTemplate.from_model(c.template),
            issued_reason=c.issued_reason,
            issued_at=c.issued_at,
            expires_at=c.expires_at,
            used_at=c.used_at,
            order_id=global_id("Order", c.order_id),
        )


@strawberry.type
class CouponConnection(Connection[Coupon]):
    pass


@strawberry.type
class CouponTemplateConnection(Connection[CouponTemplate]):
    pass


async def customer_coupons(
    customer_id: int, include_used: bool, first: int | None, after: str | None
) -> CouponConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (datetime, int))
    rows = await coupons.coupons_of(
        customer_id, include_used=include_used, first=size, after=cursor
    )
    return connection(
        CouponConnection,
        rows,
        size,
        key=lambda row: [row.expires_at, row.id],
        node=Coupon.from_model,
        has_previous=cursor is not None,
        total=coupons.coupons_query(customer_id, include_used=include_used).count,
    )


@strawberry.input
class CreateCouponTemplateInput:
    store_id: relay.GlobalID
    name: str
    kind: CouponKind
    value: int = 0
    minimum_spend: int = 0
    max_discount: int | None = None
    product_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The scope of the coupon, or the free item of a FREE_ITEM coupon."
    )
    category_id: relay.GlobalID | None = None
    valid_days: int = 30
    trigger: CouponTrigger = CouponTrigger.MANUAL


@strawberry.input(
    description=(
        "To customerIds or to a segment "
        "(NEW, REGULAR, DORMANT, REWARD_SENSITIVE, HIGH_FREQUENCY, LOW_FREQUENCY)."
    )
)
class IssueCouponsInput:
    template_id: relay.GlobalID
    idempotency_key: str
    customer_ids: list[relay.GlobalID] | None = None
    segment: str | None = None


@strawberry.input(description="Only the fields sent change; null clears maxDiscount or the scope.")
class UpdateCouponTemplateInput:
    template_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    value: int | None = strawberry.UNSET
    minimum_spend: int | None = strawberry.UNSET
    max_discount: int | None = strawberry.UNSET
    product_id: relay.GlobalID | None = strawberry.UNSET
    category_id: relay.GlobalID | None = strawberry.UNSET
    valid_days: int | None = strawberry.UNSET
    trigger: CouponTrigger | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class DeactivateCouponTemplateInput:
    template_id: relay.GlobalID


def _template_changes(input: UpdateCouponTemplateInput) -> dict[str, Any]:
    changes = provided(input, "template_id", nullable=("max_discount", "product_id", "category_id"))
    if "product_id" in changes:
        changes["product_id"] = ref(changes["product_id"], "Product", "productId")
    if "category_id" in changes:
        changes["category_id"] = ref(changes["category_id"], "Category", "categoryId")
    return changes


@strawberry.type
class CouponTemplateSuccess:
    template: CouponTemplate


@strawberry.type
class IssueCouponsSuccess:
    issued_count: int
    template_id: relay.GlobalID


CouponTemplateResult = result(
    "CouponTemplateResult",
    CouponTemplateSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
IssueCouponsResult = result(
    "IssueCouponsResult",
    IssueCouponsSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)


@strawberry.type
class Mutation:
    @mutation(
        "coupons.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CouponTemplateResult,
    )
    async def create_coupon_template(
        self, info: Info, input: CreateCouponTemplateInput
    ) -> CouponTemplateSuccess:
        fields = coupons.TemplateFields(
            name=input.name,
            kind=input.kind,
            value=input.value,
            minimum_spend=input.minimum_spend,
            max_discount=input.max_discount,
            product_id=ref(input.product_id, "Product", "productId"),
            category_id=ref(input.category_id, "Category", "categoryId"),
            valid_days=input.valid_days,
            trigger=input.trigger,
        )
        template = await coupons.create_template(
            info.context, store_id=decode_id(input.store_id, "Store"), fields=fields
        )
        return CouponTemplateSuccess(template=CouponTemplate.from_model(template))

    @mutation(
        "coupons.manage",
        result=CouponTemplateResult,
        store=owner_store_of("input.template_id", CouponTemplateModel, "CouponTemplate"),
        absent="coupon template",
        description="Coupons already issued read the new terms at checkout.",
    )
    async def update_coupon_template(
        self, info: Info, input: UpdateCouponTemplateInput
    ) -> CouponTemplateSuccess:
        template = await coupons.update_template(
            info.context,
            template_id=decode_id(input.template_id, "CouponTemplate"),
            changes=_template_changes(input),
        )
        return CouponTemplateSuccess(template=CouponTemplate.from_model(template))

    @mutation(
        "coupons.manage",
        result=CouponTemplateResult,
        store=owner_store_of("input.template_id", CouponTemplateModel, "CouponTemplate"),
        absent="coupon template",
        description="No more coupons are issued; those issued stay usable until they expire.",
    )
    async def deactivate_coupon_template(
        self, info: Info, input: DeactivateCouponTemplateInput
    ) -> CouponTemplateSuccess:
        template = await coupons.deactivate_template(
            info.context, template_id=decode_id(input.template_id, "CouponTemplate")
        )
        return CouponTemplateSuccess(template=CouponTemplate.from_model(template))

    @mutation(
        "coupons.issue",
        result=IssueCouponsResult,
        store=owner_store_of("input.template_id", CouponTemplateModel, "CouponTemplate"),
        absent="coupon template",
    )
    async def issue_coupons(self, info: Info, input: IssueCouponsInput) -> IssueCouponsSuccess:
        customer_ids = None
        if input.customer_ids is not None:
            customer_ids = [ref(pk, "Customer", "customerIds") or 0 for pk in input.customer_ids]
        result = await coupons.issue_coupons(
            info.context,
            template_id=decode_id(input.template_id, "CouponTemplate"),
            customer_ids=customer_ids,
            segment=input.segment,
            idempotency_key=input.idempotency_key,
        )
        return IssueCouponsSuccess(
            issued_count=result["issued"],
            template_id=global_id("CouponTemplate", result["template_id"]),
        )


@strawberry.type
class StoreCoupons(StoreProfile):
    @query("coupons.read", store=source_store(), description="Newest first.")
    async def coupon_templates(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = True,
    ) -> CouponTemplateConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await coupons.templates_page(
            store_id=self.id,
            include_inactive=include_inactive,
            size=size,
            before_id=cursor[0] if cursor else None,
        )
        return connection(
            CouponTemplateConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=CouponTemplate.from_model,
            has_previous=cursor is not None,
            total=coupons.templates_query(
                store_id=self.id, include_inactive=include_inactive
            ).count,
        )


@strawberry.type
class CustomerCoupons(CustomerProfile):
    @query("coupons.read", store=customer_store)
    async def coupons(
        self,
        info: Info,
        include_used: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> CouponConnection:

        return await customer_coupons(self.id, include_used, first, after)
