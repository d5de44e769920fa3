"""Partner API keys (J3): the owner's to list, create and revoke."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

STORE_API_KEYS = (
    "query($id: ID!) { store(id: $id) { id apiKeys { edges { node { id prefix } } } } }"
)
NODE_API_KEY = "query($id: ID!) { node(id: $id) { id ... on ApiKey { prefix } } }"
CREATE_API_KEY = """
mutation($input: CreateApiKeyInput!) { createApiKey(input: $input) { __typename } }
"""
REVOKE_API_KEY = """
mutation($input: RevokeApiKeyInput!) { revokeApiKey(input: $input) { __typename } }
"""


def _create(w: World, target: str) -> dict:
    return {
        "input": {"storeId": w.store(target), "name": w.unique("key"), "actions": ["store.read"]}
    }


async def _revoke(w: World, target: str) -> dict:
    return {"input": {"apiKeyId": await w.fresh_api_key(target)}}


ROWS = [
    Row(
        "Store.apiKeys",
        STORE_API_KEYS,
        lambda w, t: {"id": w.store(t)},
        #             own        other
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Query.node",
        NODE_API_KEY,
        lambda w, t: {"id": w.api_key(t)},
        variant="ApiKey",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(ABSENT, ABSENT),
        staff=(ABSENT, ABSENT),
        partner=(ABSENT, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.createApiKey",
        CREATE_API_KEY,
        _create,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.revokeApiKey",
        REVOKE_API_KEY,
        _revoke,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]
