"""The audit log: written in the transaction of the change it records, read by owners and admins."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from typing import Any

from tortoise.queryset import QuerySet

from core.context import Context
from core.database import connection, db_instant, dialect, placeholder
from models.audit import AuditEntry


async def record(
    ctx: Context,
    *,
    action: str,
    target_type: str,
    target_id: object,
    store_id: int | None = None,
    before: Any = None,
    after: Any = None,
) -> None:
    """One INSERT written once per dialect, in the caller's transaction if it has one. Through
    the model it cost several times the statement; a page of customers that shows names
    writes one (the reveal)."""
    principal = await ctx.principal()
    values = [
        store_id,
        principal.account_id,
        principal.api_key_id,
        action,
        target_type,
        str(target_id),
        _BEFORE.to_db_value(before, AuditEntry),
        _AFTER.to_db_value(after, AuditEntry),
        db_instant(datetime.now(UTC)),
    ]
    await connection().execute_query(_insert_sql(dialect()), values)


_COLUMNS = (
    "store_id",
    "actor_account_id",
    "actor_api_key_id",
    "action",
    "target_type",
    "target_id",
    "before",
    "after",
    "created_at",
)
_BEFORE = AuditEntry._meta.fields_map["before"]
_AFTER = AuditEntry._meta.fields_map["after"]


@cache
def _insert_sql(dialect: str) -> str:
    names = ", ".join(f'"{column}"' for column in _COLUMNS)
    at = ", ".join(placeholder(dialect, k + 1) for k in range(len(_COLUMNS)))
    return f'INSERT INTO "{AuditEntry._meta.db_table}" ({names}) VALUES ({at})'


def entries_query(*, store_id: int | None) -> QuerySet[AuditEntry]:
    """A store's entries, or every entry of the platform for None."""
    return AuditEntry.all() if store_id is None else AuditEntry.filter(store_id=store_id)


async def entries(*, store_id: int | None, first: int, before_id: int | None) -> list[AuditEntry]:
    """Newest first; ``before_id`` is the keyset cursor. One more than asked,
    to tell if more exist."""
    query = entries_query(store_id=store_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(first + 1)
