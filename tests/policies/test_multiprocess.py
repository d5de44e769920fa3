"""A policy change made through one server process is obeyed by another on its next request."""

from __future__ import annotations

import httpx

from core.settings import Settings
from tests.client import LOGIN, gid
from tests.servers import uvicorn_server

# httpx gives up after 5 s; two servers and a loaded test machine can take longer.
SLOW_MACHINE = httpx.Timeout(60.0)
STAFF = "query ($id: ID!) { store(id: $id) { staff { edges { node { id } } } } }"
REVOKE = """
mutation ($input: PermissionInput!) { revokePermission(input: $input) { __typename } }
"""


async def _post(
    client: httpx.AsyncClient, url: str, query: str, variables: dict, token: str | None = None
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _token(client: httpx.AsyncClient, url: str, email: str) -> str:
    body = await _post(client, url, LOGIN, {"input": {"email": email, "password": "dangol-demo"}})
    return body["data"]["login"]["accessToken"]


async def test_a_revocation_through_one_process_is_obeyed_by_the_other(
    database_url: str, settings: Settings
) -> None:
    async with (
        uvicorn_server(settings) as first,
        uvicorn_server(settings) as second,
        httpx.AsyncClient(timeout=SLOW_MACHINE) as client,
    ):
        # given the manager reads the staff list through the second process
        manager = await _token(client, second, "manager1@dangol.test")
        before = await _post(client, second, STAFF, {"id": gid("Store", 1)}, manager)
        assert "errors" not in before
        # when the admin revokes it through the first process
        admin = await _token(client, first, "admin@dangol.test")
        revoked = await _post(
            client, first, REVOKE, {"input": {"role": "manager", "action": "staff.read"}}, admin
        )
        assert revoked["data"]["revokePermission"]["__typename"] == "AccessPolicySuccess"
        # then the second process refuses the very next request
        after = await _post(client, second, STAFF, {"id": gid("Store", 1)}, manager)
        assert after["errors"][0]["extensions"]["code"] == "FORBIDDEN"
