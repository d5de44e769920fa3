from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.catalogue import Category, Product
    from models.coupons import CouponTemplate
    from models.customers import Customer
    from models.orders import Order
    from models.stores import Store


class DiscountKind(str, Enum):
    NONE = "NONE"
    PERCENT = "PERCENT"
    FIXED = "FIXED"


class DiscountScope(str, Enum):
    ALL = "ALL"
    CATEGORY = "CATEGORY"
    PRODUCT = "PRODUCT"


class TierChangeReason(str, Enum):
    UPGRADE_ON_ORDER = "UPGRADE_ON_ORDER"
    UPGRADE_ON_POINTS = "UPGRADE_ON_POINTS"
    PERIODIC_EVALUATION = "PERIODIC_EVALUATION"
    REFUND = "REFUND"
    MANUAL = "MANUAL"


class TierProgram(Model):
    """A store's tier settings: the rolling window and the grace before a downgrade."""

    id = fields.IntField(primary_key=True)
    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name="tier_program", on_delete=fields.RESTRICT
    )
    store_id: int
    window_days = fields.IntField(default=365)
    downgrade_grace_days = fields.IntField(default=30)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "tier_program"


class Tier(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="tiers", on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=50)
    rank = fields.IntField(description="1 is the lowest tier")
    min_amount: int = fields.BigIntField(default=0)
    min_visits = fields.IntField(default=0)
    min_points: int = fields.BigIntField(default=0)
    discount_kind = fields.CharEnumField(DiscountKind, max_length=10, default=DiscountKind.NONE)
    discount_value: int = fields.BigIntField(default=0)
    discount_scope = fields.CharEnumField(DiscountScope, max_length=10, default=DiscountScope.ALL)
    discount_category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    discount_category_id: int | None
    discount_product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    discount_product_id: int | None
    earn_rate_bp = fields.IntField(null=True, description="overrides the programme's rate")
    welcome_coupon: fields.ForeignKeyNullableRelation[CouponTemplate] = fields.ForeignKeyField(
        "models.CouponTemplate", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    welcome_coupon_id: int | None
    perks: list[str] = fields.JSONField(default=list)
    is_deleted = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tier"


class CustomerTier(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="customer_tier", on_delete=fields.RESTRICT
    )
    customer_id: int
    tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    tier_id: int | None
    since = fields.DatetimeField()
    below_since = fields.DatetimeField(
        null=True, description="when the customer first fell below the tier's criteria"
    )

    class Meta:
        table = "customer_tier"
        indexes = (("store", "tier"),)


class TierChange(Model):
    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tier_changes", on_delete=fields.RESTRICT
    )
    customer_id: int
    from_tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    from_tier_id: int | None
    to_tier: fields.ForeignKeyNullableRelation[Tier] = fields.ForeignKeyField(
        "models.Tier", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    to_tier_id: int | None
    reason = fields.CharEnumField(TierChangeReason, max_length=30)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tier_change"
        indexes = (("customer", "id"),)


class TierPromotion(Model):
    """A time-boxed offer for tiers from ``min_rank`` up, e.g. double points this week."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    min_rank = fields.IntField()
    points_multiplier_bp = fields.IntField(default=20000, description="20000 = double points")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "tier_promotion"
