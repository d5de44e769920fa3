from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.stores import Store


class AuditEntryImmutable(Exception):
    pass


class AuditEntry(Model):
    """Append-only: rows are inserted in the transaction of the change they record, never edited."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyNullableRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="audit_entries", null=True, on_delete=fields.RESTRICT
    )
    store_id: int | None
    actor_account: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    actor_account_id: int | None
    actor_api_key_id = fields.IntField(null=True)
    action = fields.CharField(max_length=80)
    target_type = fields.CharField(max_length=40)
    target_id = fields.CharField(max_length=64)
    before: Any = fields.JSONField(null=True)
    after: Any = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True, db_index=True)

    class Meta:
        table = "audit_entry"

    async def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._saved_in_db:
            await super().save(*args, **kwargs)
            return
        raise AuditEntryImmutable("audit entries cannot be changed")

    async def delete(self, *args: Any, **kwargs: Any) -> None:
        raise AuditEntryImmutable("audit entries cannot be deleted")
