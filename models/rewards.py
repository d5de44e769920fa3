from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.catalogue import Category, Product
    from models.customers import Customer
    from models.orders import Order
    from models.stores import Store


class StampRule(str, Enum):
    PER_VISIT = "PER_VISIT"
    PER_AMOUNT = "PER_AMOUNT"
    PER_ITEM = "PER_ITEM"


class RedemptionStatus(str, Enum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    APPLIED = "APPLIED"
    RETURNED = "RETURNED"


class Reward(Model):
    """An item of the rewards catalogue, priced in points or in stamps."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="rewards", on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    cost_points: int | None = fields.BigIntField(null=True)
    cost_stamps = fields.IntField(null=True)
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    product_id: int | None
    value: int = fields.BigIntField(default=0, description="discount it gives on an order, in won")
    requires_approval = fields.BooleanField(default=False)
    is_active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "reward"


class StampCard(Model):
    """A store's stamp card: ``stamps_required`` stamps earn ``reward``."""

    id = fields.IntField(primary_key=True)
    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name="stamp_card", on_delete=fields.RESTRICT
    )
    store_id: int
    stamps_required = fields.IntField()
    rule = fields.CharEnumField(StampRule, max_length=20, default=StampRule.PER_VISIT)
    amount_per_stamp: int | None = fields.BigIntField(null=True)
    product: fields.ForeignKeyNullableRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    product_id: int | None
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    category_id: int | None
    reward: fields.ForeignKeyNullableRelation[Reward] = fields.ForeignKeyField(
        "models.Reward", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reward_id: int | None
    is_active = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stamp_card"


class StampBalance(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="stamp_balance", on_delete=fields.RESTRICT
    )
    customer_id: int
    stamps = fields.IntField(default=0)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stamp_balance"


class StampEntry(Model):
    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="stamp_entries", on_delete=fields.RESTRICT
    )
    customer_id: int
    amount = fields.IntField(description="signed")
    balance_after = fields.IntField()
    reason = fields.CharField(max_length=40)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stamp_entry"
        indexes = (("customer", "id"),)


class Redemption(Model):
    """A customer spending points or stamps on a reward, into an order."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="redemptions", on_delete=fields.RESTRICT
    )
    customer_id: int
    reward: fields.ForeignKeyRelation[Reward] = fields.ForeignKeyField(
        "models.Reward", related_name="redemptions", on_delete=fields.RESTRICT
    )
    reward_id: int
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name="redemptions", null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    status = fields.CharEnumField(RedemptionStatus, max_length=20)
    points_spent: int = fields.BigIntField(default=0)
    stamps_spent = fields.IntField(default=0)
    requested_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    requested_by_id: int | None
    decided_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    decided_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "redemption"
        indexes = (("store", "status", "id"),)
