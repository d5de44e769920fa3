"""The audit log: written in the transaction of the change it records, read by owners and admins."""

from __future__ import annotations

from typing import Any

from tortoise.queryset import QuerySet

from core.context import Context
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
) -> AuditEntry:
    principal = await ctx.principal()
    return await AuditEntry.create(
        store_id=store_id,
        actor_account_id=principal.account_id,
        actor_api_key_id=principal.api_key_id,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        before=before,
        after=after,
    )


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
