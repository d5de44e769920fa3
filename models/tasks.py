"""Staff tasks by shift and training material of a store (A8)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.stores import Store


class Shift(str, Enum):
    """Parts of a store's day, in its time zone: [start, end) hours."""

    MORNING = "MORNING"  # 06-11
    LUNCH = "LUNCH"  # 11-14
    AFTERNOON = "AFTERNOON"  # 14-17
    EVENING = "EVENING"  # 17-22
    NIGHT = "NIGHT"  # 22-06


class MaterialKind(str, Enum):
    LINK = "LINK"
    FILE = "FILE"


class StaffTask(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    date = fields.DateField(description="the day of the shift, in the store's time zone")
    shift = fields.CharEnumField(Shift, max_length=10)
    assignee: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    assignee_id: int | None
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    completed_at = fields.DatetimeField(null=True)
    completed_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    completed_by_id: int | None
    completion_note = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "staff_task"
        indexes = (("store", "date", "id"),)


class TrainingMaterial(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    title = fields.CharField(max_length=200)
    description = fields.TextField(default="")
    kind = fields.CharEnumField(MaterialKind, max_length=10)
    url = fields.CharField(max_length=2000, null=True)
    filename = fields.CharField(max_length=200, null=True)
    content_type = fields.CharField(max_length=100, null=True)
    size_bytes = fields.IntField(null=True)
    sha256 = fields.CharField(max_length=64, null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_material"
        indexes = (("store", "id"),)


class TrainingFile(Model):
    """The bytes of an uploaded material, apart so that listing materials never reads them."""

    id = fields.IntField(primary_key=True)
    material: fields.OneToOneRelation[TrainingMaterial] = fields.OneToOneField(
        "models.TrainingMaterial", related_name=False, on_delete=fields.CASCADE
    )
    material_id: int
    content = fields.BinaryField()

    class Meta:
        table = "training_file"
