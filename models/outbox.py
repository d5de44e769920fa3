from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class OutboxMessage(Model):
    """A notification written in the transaction of its event, delivered later by a sender."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    customer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Customer", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    account: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    kind = fields.CharField(max_length=40)
    payload: dict = fields.JSONField(default=dict)  # type: ignore[assignment]
    created_at = fields.DatetimeField(auto_now_add=True)
    available_at = fields.DatetimeField()
    attempts = fields.IntField(default=0)
    delivered_at = fields.DatetimeField(null=True)
    last_error = fields.TextField(null=True)

    class Meta:
        table = "outbox_message"
        indexes = (("delivered_at", "available_at"),)
