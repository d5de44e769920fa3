"""changeStorePlan through one server process is obeyed by another on its next request.

Nothing caches a store's plan: the plan check (schema/operations.py) reads the store's row
through the request's own loader, so each request of every process reads the plan anew.
"""

from __future__ import annotations

import httpx

from core.settings import Settings
from tests.client import LOGIN, gid
from tests.servers import uvicorn_server

STORE = "query ($id: ID!) { store(id: $id) { plan campaignGrade } }"
CHANGE = """
mutation ($input: ChangeStorePlanInput!) { changeStorePlan(input: $input) { __typename } }
"""


async def _post(
    client: httpx.AsyncClient, url: str, query: str, variables: dict, token: str = ""
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def _token(client: httpx.AsyncClient, url: str, email: str) -> str:
    body = await _post(client, url, LOGIN, {"input": {"email": email, "password": "dangol-demo"}})
    return str(body["data"]["login"]["accessToken"])


async def test_a_plan_change_through_one_process_is_seen_by_the_other(
    database_url: str, settings: Settings
) -> None:
    async with (
        uvicorn_server(settings) as first,
        uvicorn_server(settings) as second,
        httpx.AsyncClient() as client,
    ):
        # given the owner reads store 2 (Plus) through the second process
        owner = await _token(client, second, "owner2@dangol.test")
        before = await _post(client, second, STORE, {"id": gid("Store", 2)}, owner)
        assert before["data"]["store"] == {"plan": "PLUS", "campaignGrade": "SILVER"}
        # when the admin moves it to Premium through the first process
        admin = await _token(client, first, "admin@dangol.test")
        changed = await _post(
            client,
            first,
            CHANGE,
            {"input": {"storeId": gid("Store", 2), "plan": "PREMIUM"}},
            admin,
        )
        assert changed["data"]["changeStorePlan"]["__typename"] == "UpdateStoreSuccess"
        # then the second process answers with the new plan on the very next request
        after = await _post(client, second, STORE, {"id": gid("Store", 2)}, owner)
        assert after["data"]["store"] == {"plan": "PREMIUM", "campaignGrade": "GOLD"}
