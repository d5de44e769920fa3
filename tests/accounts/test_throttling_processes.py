"""Rate limits are counted in the database, so every server process (``serve --workers N``)
counts against the same limit."""

from __future__ import annotations

import httpx

from core.settings import Settings
from tests.client import LOGIN
from tests.servers import uvicorn_server

# httpx gives up after 5 s; two servers and a loaded test machine can take longer.
SLOW_MACHINE = httpx.Timeout(60.0)
LIMIT = 3


async def _fail_login(client: httpx.AsyncClient, url: str) -> str:
    response = await client.post(
        f"{url}/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"email": "owner1@dangol.test", "password": "wrong-password"}},
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if body.get("errors"):
        return str(body["errors"][0]["extensions"]["code"])
    return str(body["data"]["login"]["__typename"])


async def test_failed_logins_through_two_processes_count_against_one_limit(
    database_url: str, settings: Settings
) -> None:
    # given two server processes on the same database, three failures allowed per account
    limited = {"DANGOL_LOGIN_FAILURES_PER_ACCOUNT": str(LIMIT)}
    async with (
        uvicorn_server(settings, limited) as first,
        uvicorn_server(settings, limited) as second,
        httpx.AsyncClient(timeout=SLOW_MACHINE) as client,
    ):
        # when the failures alternate between the processes
        answers = [await _fail_login(client, url) for url in (first, second, first)]
        after = [await _fail_login(client, second), await _fail_login(client, first)]
    # then neither process allows a fourth attempt
    assert len(set(answers)) == 1 and answers[0] != "RATE_LIMITED"
    assert after == ["RATE_LIMITED", "RATE_LIMITED"]
