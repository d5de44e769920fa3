from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.catalogue import Product
    from models.customers import Customer
    from models.stores import Store


class OrderChannel(str, Enum):
    IN_STORE = "IN_STORE"
    ONLINE = "ONLINE"
    PICKUP = "PICKUP"
    DELIVERY = "DELIVERY"


class OrderStatus(str, Enum):
    RECEIVED = "RECEIVED"
    CONFIRMED = "CONFIRMED"
    PREPARING = "PREPARING"
    READY = "READY"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"


class Order(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="orders", on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="orders", null=True, on_delete=fields.RESTRICT
    )
    customer_id: int | None
    channel = fields.CharEnumField(OrderChannel, max_length=20)
    status = fields.CharEnumField(OrderStatus, max_length=20, default=OrderStatus.RECEIVED)
    pickup_at = fields.DatetimeField(null=True)
    subtotal: int = fields.BigIntField()
    discount_total: int = fields.BigIntField(default=0)
    total: int = fields.BigIntField()
    refunded_amount: int = fields.BigIntField(default=0)
    is_first_visit = fields.BooleanField(default=False)
    idempotency_key = fields.CharField(max_length=100, null=True)
    request_digest = fields.CharField(max_length=64, null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    created_by_api_key_id = fields.IntField(null=True)
    completed_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    completed_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    completed_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)
    refunded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "order"
        unique_together = (("store", "idempotency_key"),)
        indexes = (("store", "created_at", "id"), ("customer", "created_at"))


class OrderLine(Model):
    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="lines", on_delete=fields.CASCADE
    )
    order_id: int
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, on_delete=fields.RESTRICT
    )
    product_id: int
    product_name = fields.CharField(max_length=100, description="as it was when ordered")
    unit_price: int = fields.BigIntField()
    quantity = fields.IntField()
    line_total: int = fields.BigIntField()

    class Meta:
        table = "order_line"
        indexes = (("order",),)


class DiscountSource(str, Enum):
    TIER = "TIER"
    COUPON = "COUPON"
    REWARD = "REWARD"
    FIRST_VISIT = "FIRST_VISIT"


class OrderDiscount(Model):
    """A benefit applied at checkout, kept as a line of the order that a client can show."""

    id = fields.IntField(primary_key=True)
    order: fields.ForeignKeyRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="discounts", on_delete=fields.CASCADE
    )
    order_id: int
    source = fields.CharEnumField(DiscountSource, max_length=20)
    description = fields.CharField(max_length=200)
    amount: int = fields.BigIntField(description="won taken off the order (0 for a gift item)")
    reference_id = fields.IntField(null=True, description="the tier, coupon, redemption or offer")
    position = fields.IntField(description="the order in which discounts were applied")

    class Meta:
        table = "order_discount"
