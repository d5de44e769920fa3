from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.catalogue import Category, Product
    from models.customers import Customer
    from models.orders import Order
    from models.stores import Store


class CouponKind(str, Enum):
    PERCENT = "PERCENT"
    FIXED = "FIXED"
    FREE_ITEM = "FREE_ITEM"


class CouponTrigger(str, Enum):
    MANUAL = "MANUAL"
    SEGMENT = "SEGMENT"
    TIER_UPGRADE = "TIER_UPGRADE"
    FIRST_VISIT = "FIRST_VISIT"


class CouponTemplate(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="coupon_templates", on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    kind = fields.CharEnumField(CouponKind, max_length=20)
    value: int = fields.BigIntField(
        default=0, description="percent (1-100) or won; unused for FREE_ITEM"
    )
    max_discount: int | None = fields.BigIntField(null=True)
    minimum_spend: int = fields.BigIntField(default=0)
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    product_id: int | None
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    category_id: int | None
    valid_days = fields.IntField(default=30)
    trigger = fields.CharEnumField(CouponTrigger, max_length=20, default=CouponTrigger.MANUAL)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "coupon_template"


class Coupon(Model):
    """A coupon issued to one customer: valid until ``expires_at``, used once."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    template: fields.ForeignKeyRelation[CouponTemplate] = fields.ForeignKeyField(
        "models.CouponTemplate", related_name="coupons", on_delete=fields.RESTRICT
    )
    template_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="coupons", on_delete=fields.RESTRICT
    )
    customer_id: int
    issued_reason = fields.CharEnumField(CouponTrigger, max_length=20)
    issued_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None

    class Meta:
        table = "coupon"
        indexes = (("customer", "used_at", "expires_at"),)


class FirstVisitOfferKind(str, Enum):
    PERCENT = "PERCENT"
    FIXED = "FIXED"
    SPEND_THRESHOLD = "SPEND_THRESHOLD"
    GIFT_ITEM = "GIFT_ITEM"


class FirstVisitOffer(Model):
    """What a first-time customer gets, applied automatically at checkout (C4)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    kind = fields.CharEnumField(FirstVisitOfferKind, max_length=20)
    value: int = fields.BigIntField(default=0)
    minimum_spend: int = fields.BigIntField(default=0)
    gift_product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    gift_product_id: int | None
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "first_visit_offer"
