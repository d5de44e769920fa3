"""Inventory (G2): stock items, their movements, what products consume, and purchase orders."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.campaigns import CupHolderCampaign
    from models.catalogue import Product
    from models.orders import Order
    from models.stores import Store


class StockReason(str, Enum):
    RECEIVED = "RECEIVED"
    COUNTED = "COUNTED"
    WASTED = "WASTED"
    ORDER_CONFIRMED = "ORDER_CONFIRMED"
    ORDER_CANCELLED = "ORDER_CANCELLED"


class PurchaseOrderStatus(str, Enum):
    PLACED = "PLACED"


class StockItem(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    unit = fields.CharField(max_length=20)
    base_quantity = fields.IntField(description="the usual order quantity; alerts at 30% of it")
    quantity = fields.IntField(default=0, description="never negative")
    unit_price = fields.BigIntField(default=0, description="won per unit when reordered")
    campaign: fields.ForeignKeyNullableRelation[CupHolderCampaign] = fields.ForeignKeyField(
        "models.CupHolderCampaign", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    alert_armed = fields.BooleanField(
        default=True, description="false from a low-stock alert until stock is back above 30%"
    )
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "stock_item"
        unique_together = (("store", "name"),)


class StockMovement(Model):
    """One change of a stock item's quantity, with its reason; the history is never edited."""

    id = fields.BigIntField(primary_key=True)
    stock_item: fields.ForeignKeyRelation[StockItem] = fields.ForeignKeyField(
        "models.StockItem", related_name=False, on_delete=fields.RESTRICT
    )
    stock_item_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    reason = fields.CharEnumField(StockReason, max_length=20)
    delta = fields.IntField()
    quantity_after = fields.IntField()
    note = fields.CharField(max_length=200, default="")
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    actor: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    actor_id: int | None
    actor_api_key_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "stock_movement"
        indexes = (("stock_item", "id"), ("order", "reason"))


class ProductStockUse(Model):
    """A product's recipe line: ``quantity`` units of a stock item per unit of the product."""

    id = fields.IntField(primary_key=True)
    product: fields.ForeignKeyRelation[Product] = fields.ForeignKeyField(
        "models.Product", related_name=False, on_delete=fields.CASCADE
    )
    product_id: int
    stock_item: fields.ForeignKeyRelation[StockItem] = fields.ForeignKeyField(
        "models.StockItem", related_name=False, on_delete=fields.RESTRICT
    )
    stock_item_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    quantity = fields.IntField()

    class Meta:
        table = "product_stock_use"
        unique_together = (("product", "stock_item"),)


class PurchaseOrder(Model):
    """A reorder of a stock item: 100, 150 or 200% of its base quantity, priced when placed."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    stock_item: fields.ForeignKeyRelation[StockItem] = fields.ForeignKeyField(
        "models.StockItem", related_name=False, on_delete=fields.RESTRICT
    )
    stock_item_id: int
    percent = fields.IntField()
    quantity = fields.IntField()
    unit_price = fields.BigIntField()
    total = fields.BigIntField()
    campaign: fields.ForeignKeyNullableRelation[CupHolderCampaign] = fields.ForeignKeyField(
        "models.CupHolderCampaign", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    status = fields.CharEnumField(
        PurchaseOrderStatus, max_length=20, default=PurchaseOrderStatus.PLACED
    )
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    created_by_api_key_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "purchase_order"
        indexes = (("store", "id"),)
