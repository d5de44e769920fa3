"""The WebSocket answers as HTTP does: masked errors, every error with its code, one credential."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncGenerator
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.client import Api
from tests.live.helpers import ORDER_EVENTS, STOCK_ALERTS, store
from tests.wsclient import PROTOCOL, Refused, graphql_socket, ws_url


def _errors(message: dict[str, Any]) -> list[dict[str, Any]]:
    if message["type"] == "error":
        return list(message["payload"])
    assert message["type"] == "next", message
    return list(message["payload"]["errors"])


async def _first_answer(
    live_url: str,
    token: str,
    query: str | None,
    variables: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    async with graphql_socket(ws_url(live_url), token) as socket:
        await socket.send(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}, **extra},
            }
        )
        return await socket.receive()


async def test_an_unexpected_error_is_masked_with_its_code(
    api: Api, live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a stream failing with something a client must not see
    async def broken(*args: object, **kwargs: object) -> AsyncGenerator[Any, None]:
        for _ in ():
            yield
        raise OverflowError("date value out of range -- SELECT secret FROM account")

    monkeypatch.setattr("resolvers.live.events_of", broken)
    owner = await api.token("owner1@dangol.test")
    # when
    message = await _first_answer(live_url, owner, ORDER_EVENTS, store(1))
    # then
    errors = _errors(message)
    assert errors[0]["message"] == "Unexpected error."
    assert errors[0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "out of range" not in json.dumps(message) and "SELECT" not in json.dumps(message)


BAD_DOCUMENTS: dict[str, tuple[str | None, dict[str, Any], dict[str, Any]]] = {
    "unknown field": ('subscription { orderEvents(storeId: "x") { nope } }', {}, {}),
    "wrong variable type": (ORDER_EVENTS, {"storeId": 42}, {}),
    "missing variable": (ORDER_EVENTS, {}, {}),
    "lone surrogate": (ORDER_EVENTS, {"storeId": "\ud800"}, {}),
    "syntax": ("subscription {", {}, {}),
    "no document": (None, {}, {}),
    "too many tokens": ("subscription { " + "__typename " * 5000 + "}", {}, {}),
    "two subscriptions, none named": (
        'subscription A { orderEvents(storeId: "x") { eventId } } '
        'subscription B { stockAlerts(storeId: "x") { eventId } }',
        {},
        {},
    ),
    "deeply nested variable": (ORDER_EVENTS, {"storeId": json.loads("[" * 500 + "]" * 500)}, {}),
}


@pytest.mark.parametrize("case", sorted(BAD_DOCUMENTS))
async def test_bad_subscriptions_answer_bad_user_input(api: Api, live_url: str, case: str) -> None:
    # given
    query, variables, extra = BAD_DOCUMENTS[case]
    owner = await api.token("owner1@dangol.test")
    # when
    message = await _first_answer(live_url, owner, query, variables, **extra)
    # then
    errors = _errors(message)
    assert errors and all(
        error.get("extensions", {}).get("code") == "BAD_USER_INPUT" for error in errors
    ), (case, message)


async def test_another_stores_events_are_absent_as_over_http(api: Api, live_url: str) -> None:
    owner = await api.token("owner1@dangol.test")
    message = await _first_answer(live_url, owner, STOCK_ALERTS, store(2))
    assert message == {"id": "1", "type": "next", "payload": {"data": {"stockAlerts": None}}}


async def test_the_connection_init_payload_is_the_only_credential(api: Api, live_url: str) -> None:
    # given a socket whose upgrade request carries a valid token, and connection_init none
    owner = await api.token("owner1@dangol.test")
    url = ws_url(live_url)
    # when / then the header alone does not authenticate
    async with connect(
        url,
        subprotocols=[PROTOCOL],
        additional_headers={"authorization": f"Bearer {owner}"},
        proxy=None,
    ) as connection:
        await connection.send(json.dumps({"type": "connection_init", "payload": {}}))
        with pytest.raises(ConnectionClosed) as closed:
            await asyncio.wait_for(connection.recv(), 10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
    # and malformed credentials are refused the same way
    for payload in ({"authorization": "Bearer dgl_not-a-key"}, {"authorization": 42}):
        with pytest.raises(Refused):
            async with graphql_socket(url, None, payload=payload):
                pass
    # while the token in connection_init is honoured: the connection is acknowledged
    async with graphql_socket(url, owner) as socket:
        await socket.ping()
        assert await socket.receive() == {"type": "pong"}
