"""What a request is: one operation, and a client address no client can choose."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from app import cli
from app.main import create_app
from core.settings import Settings, SettingsError, load_settings
from tests.client import Api, error_code

TWO_OPERATIONS = (
    'query A { __typename } mutation B { logout(input: {refreshToken: "x"}) { __typename } }'
)


async def test_several_operations_without_an_operation_name_are_refused(api: Api) -> None:
    # when
    body = (await api.client.post("/graphql", json={"query": TWO_OPERATIONS})).json()
    # then nothing ran, and the client is told to name one
    assert body.get("data") is None
    assert error_code(body) == "BAD_USER_INPUT"
    assert "operationName" in body["errors"][0]["message"]


async def test_several_operations_over_get_are_refused_too(api: Api) -> None:
    response = await api.client.get("/graphql", params={"query": TWO_OPERATIONS})
    assert error_code(response.json()) == "BAD_USER_INPUT", response.text
    assert response.json().get("data") is None


async def test_the_named_operation_of_several_runs(api: Api) -> None:
    body = await api.client.post("/graphql", json={"query": TWO_OPERATIONS, "operationName": "A"})
    assert body.json() == {"data": {"__typename": "Query"}}


async def test_several_operations_are_a_400_with_the_graphql_response_media_type(
    api: Api,
) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": TWO_OPERATIONS},
        headers={"accept": "application/graphql-response+json"},
    )
    assert response.status_code == 400


LOGIN = "mutation($i: LoginInput!) { login(input: $i) { __typename } }"


async def _fail_logins_from_spoofed_addresses(api: Api, times: int) -> dict[str, Any]:
    """``times`` failed sign-ins, each claiming another client address; then one more."""
    for n in range(times):
        await api.client.post(
            "/graphql",
            json={"query": LOGIN, "variables": {"i": {"email": f"n{n}@d.test", "password": "x"}}},
            headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
        )
    response = await api.client.post(
        "/graphql",
        json={"query": LOGIN, "variables": {"i": {"email": "z@d.test", "password": "x"}}},
        headers={"x-forwarded-for": "198.51.100.200"},
    )
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[tuple[Api, Api]]:
    """The app behind a trusted proxy at 203.0.113.7, and a client from elsewhere."""
    trusting = replace(settings, login_failures_per_address=3, trusted_proxies=("203.0.113.0/24",))
    application = create_app(trusting)
    async with application.router.lifespan_context(application):
        behind_proxy = ASGITransport(app=application, client=("203.0.113.7", 4000))
        direct = ASGITransport(app=application, client=("192.0.2.50", 4000))
        async with (
            AsyncClient(transport=behind_proxy, base_url="http://dangol.test") as via_proxy,
            AsyncClient(transport=direct, base_url="http://dangol.test") as from_client,
        ):
            yield Api(via_proxy), Api(from_client)


@pytest.fixture
async def unproxied(settings: Settings) -> AsyncIterator[Api]:
    application = create_app(replace(settings, login_failures_per_address=3))
    async with application.router.lifespan_context(application):
        transport = ASGITransport(app=application, client=("127.0.0.1", 4000))
        async with AsyncClient(transport=transport, base_url="http://dangol.test") as client:
            yield Api(client)


async def test_x_forwarded_for_is_ignored_without_trusted_proxies(unproxied: Api) -> None:
    # when failures claim to come from many addresses, even from the local host
    body = await _fail_logins_from_spoofed_addresses(unproxied, 3)
    # then they were counted against the one real address
    assert error_code(body) == "RATE_LIMITED", body


async def test_x_forwarded_for_counts_behind_a_trusted_proxy_only(
    proxied: tuple[Api, Api],
) -> None:
    via_proxy, direct = proxied
    # when the trusted proxy forwards failures of many clients
    through_proxy = await _fail_logins_from_spoofed_addresses(via_proxy, 3)
    # and a client that is no proxy claims many addresses itself
    spoofed = await _fail_logins_from_spoofed_addresses(direct, 3)
    # then the proxy's clients are told apart, the spoofer is not
    assert error_code(through_proxy) is None, through_proxy
    assert error_code(spoofed) == "RATE_LIMITED", spoofed


def test_trusted_proxies_are_read_from_the_environment() -> None:
    settings = load_settings({"DANGOL_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.4"})
    assert settings.trusted_proxies == ("10.0.0.0/8", "192.0.2.4/32")
    assert load_settings({}).trusted_proxies == ()
    with pytest.raises(SettingsError, match="DANGOL_TRUSTED_PROXIES"):
        load_settings({"DANGOL_TRUSTED_PROXIES": "proxy.local"})


def test_serve_leaves_x_forwarded_for_to_the_app(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uvicorn's own proxy headers would trust X-Forwarded-For from any local process."""
    # given
    started: dict[str, Any] = {}
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: started.update(kwargs))

    async def prepared(*args: object, **kwargs: object) -> None:
        return None

    monkeypatch.setattr(cli, "prepare", prepared)
    # when
    cli.cmd_serve(
        settings, argparse.Namespace(host="127.0.0.1", port=1, workers=1, log_level="info")
    )
    # then
    assert started["proxy_headers"] is False
