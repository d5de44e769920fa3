"""The PostgreSQL listener comes back when its connection is lost, and events flow again."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from tortoise import connections

from tests.client import Api
from tests.conftest import BACKEND
from tests.live.helpers import ORDER_EVENTS, new_order, store, until_subscribed
from tests.wsclient import graphql_socket, ws_url

pytestmark = pytest.mark.skipif(BACKEND != "postgres", reason="LISTEN/NOTIFY is PostgreSQL's")


async def _listeners() -> list[int]:
    rows = await connections.get("default").execute_query_dict(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND query LIKE 'LISTEN%'"
    )
    return [int(row["pid"]) for row in rows]


async def test_events_flow_again_after_the_listener_connection_is_killed(
    api: Api, app: Any, live_url: str
) -> None:
    # given the process's listener connection is terminated by the database
    owner = await api.token("owner1@dangol.test")
    before = await _listeners()
    assert len(before) == 1
    await connections.get("default").execute_query("SELECT pg_terminate_backend($1)", [before[0]])
    for _ in range(200):
        now = await _listeners()
        if now and now != before:
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the listener did not come back")
    # when an order is created for a subscriber
    async with graphql_socket(ws_url(live_url), owner) as socket:
        await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        order_id = await new_order(api, owner)
        message = await socket.receive()
    # then it arrives through the new listener
    assert message["payload"]["data"]["orderEvents"]["order"]["id"] == order_id
