from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.api_keys import ApiKey as ApiKeyModel
from resolvers import api_keys
from schema.errors import result
from schema.ids import decode_id
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class ApiKey(relay.Node):
    id: relay.NodeID[int]
    name: str
    prefix: str = strawberry.field(description="Recognises the key: dgl_<prefix>_...")
    actions: list[str]
    created_at: datetime
    revoked_at: datetime | None

    @classmethod
    def from_model(cls, key: ApiKeyModel) -> "ApiKey":
        return cls(
            id=key.id,
            name=key.name,
            prefix=key.prefix,
            actions=list(key.actions),
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


@strawberry.input
class CreateApiKeyInput:
    store_id: relay.GlobalID
    name: str
    actions: list[str]


@strawberry.input
class RevokeApiKeyInput:
    api_key_id: relay.GlobalID


@strawberry.type
class CreateApiKeySuccess:
    api_key: ApiKey
    secret: str = strawberry.field(description="The whole key. Shown this once; store it safely.")


@strawberry.type
class RevokeApiKeySuccess:
    api_key: ApiKey


CreateApiKeyResult = result(
    "CreateApiKeyResult",
    CreateApiKeySuccess,
    errors.InvalidInput,
    errors.NotFound,
)
RevokeApiKeyResult = result("RevokeApiKeyResult", RevokeApiKeySuccess, errors.NotFound)


@strawberry.type
class Mutation:
    @mutation(
        "api_keys.create",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateApiKeyResult,
    )
    async def create_api_key(self, info: Info, input: CreateApiKeyInput) -> CreateApiKeySuccess:
        created = await api_keys.create(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            granted=input.actions,
        )
        return CreateApiKeySuccess(
            api_key=ApiKey.from_model(created.api_key), secret=created.secret
        )

    @mutation(
        "api_keys.revoke",
        result=RevokeApiKeyResult,
        store=owner_store_of("input.api_key_id", ApiKeyModel, "ApiKey"),
        absent="API key",
    )
    async def revoke_api_key(self, info: Info, input: RevokeApiKeyInput) -> RevokeApiKeySuccess:
        key = await api_keys.revoke(info.context, key_id=decode_id(input.api_key_id, "ApiKey"))
        return RevokeApiKeySuccess(api_key=ApiKey.from_model(key))


@strawberry.type
class ApiKeyConnection(Connection[ApiKey]):
    pass


@strawberry.type
class StoreApiKeys(StoreProfile):
    @query("api_keys.read", store=source_store(), description="Oldest first, revoked included.")
    async def api_keys(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> ApiKeyConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await api_keys.keys_page(
            store_id=self.id, size=size, after_id=cursor[0] if cursor else None
        )
        return connection(
            ApiKeyConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=ApiKey.from_model,
            has_previous=cursor is not None,
            total=ApiKeyModel.filter(store_id=self.id).count,
        )
