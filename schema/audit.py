from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from models.accounts import Account as AccountModel
from models.audit import AuditEntry as AuditEntryModel
from resolvers import audit
from schema.ids import decode_id, global_id, reference_id
from schema.operations import query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import platform, source_store
from schema.stores import StoreProfile

ROLE_TARGET = "role"


def _target(entry: AuditEntryModel) -> strawberry.ID | None:
    found = reference_id(entry.target_type, entry.target_id)
    if found is not None:
        return strawberry.ID(str(found))
    return strawberry.ID(entry.target_id) if entry.target_type == ROLE_TARGET else None


@strawberry.type
class AuditEntry(relay.Node):
    id: relay.NodeID[int]
    store_id: strawberry.Private[int | None]
    action: str
    target_type: str
    target_id: strawberry.ID | None = strawberry.field(
        description="The target's global id when it is an object of the API; a role's name; "
        "null for a store setting (targetType names it)."
    )
    before: JSON | None
    after: JSON | None
    actor_account_id: strawberry.Private[int | None]
    actor_api_key_id: relay.GlobalID | None
    created_at: datetime

    @classmethod
    def from_model(cls, entry: AuditEntryModel) -> "AuditEntry":
        return cls(
            id=entry.id,
            store_id=entry.store_id,
            action=entry.action,
            target_type=entry.target_type,
            target_id=_target(entry),
            before=entry.before,
            after=entry.after,
            actor_account_id=entry.actor_account_id,
            actor_api_key_id=global_id("ApiKey", entry.actor_api_key_id),
            created_at=entry.created_at,
        )

    @strawberry.field
    async def actor_email(self, info: Info) -> str | None:
        if self.actor_account_id is None:
            return None
        account = await info.context.loaders.rows(AccountModel).load(self.actor_account_id)
        return account.email if account else None

    @strawberry.field
    def store_global_id(self) -> relay.GlobalID | None:
        return None if self.store_id is None else global_id("Store", self.store_id)


@strawberry.type
class AuditEntryConnection(Connection[AuditEntry]):
    pass


async def audit_connection(
    store_id: int | None, first: int | None, after: str | None
) -> AuditEntryConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (int,))
    rows = await audit.entries(
        store_id=store_id, first=size, before_id=cursor[0] if cursor else None
    )
    return connection(
        AuditEntryConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=AuditEntry.from_model,
        has_previous=cursor is not None,
        total=audit.entries_query(store_id=store_id).count,
    )


@strawberry.type
class Query:
    @query("audit.read_all", store=platform())
    async def audit_log(
        self,
        info: Info,
        store_id: relay.GlobalID | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEntryConnection | None:
        """Every store's audit log, or one store's, newest first (platform admins)."""
        wanted = None if store_id is None else decode_id(store_id, "Store")
        return await audit_connection(wanted, first, after)


@strawberry.type
class StoreAudit(StoreProfile):
    @query("audit.read", store=source_store())
    async def audit_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> AuditEntryConnection:

        return await audit_connection(self.id, first, after)
