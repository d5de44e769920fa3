from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.stores import Store


class IdempotencyRecord(Model):
    """The first answer to a mutation sent with an idempotency key, replayed to its retries."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    operation = fields.CharField(max_length=60)
    key = fields.CharField(max_length=100)
    request_digest = fields.CharField(max_length=64)
    result: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "idempotency_record"
        unique_together = (("store", "operation", "key"),)
