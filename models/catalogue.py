from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.stores import Store


class Category(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="categories", on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    position = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "category"
        unique_together = (("store", "name"),)


class Product(Model):
    """A menu item. Archived products leave the catalogue but stay on old orders."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="products", on_delete=fields.RESTRICT
    )
    store_id: int
    category: fields.ForeignKeyNullableRelation[Category] = fields.ForeignKeyField(
        "models.Category", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    category_id: int | None
    name = fields.CharField(max_length=100)
    price: int = fields.BigIntField(description="in the store currency's smallest unit")
    is_archived = fields.BooleanField(default=False)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "product"
        indexes = (("store", "is_archived", "id"),)
