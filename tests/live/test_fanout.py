"""200 subscribers on one process: every event reaches each of them once, in order."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

from tests.client import Api
from tests.live.helpers import ORDER_EVENTS, new_order, store, until_subscribed
from tests.wsclient import GraphQLSocket, graphql_socket, ws_url

SUBSCRIBERS = 200
EVENTS = 5


async def _orders_received(socket: GraphQLSocket, count: int) -> list[str]:
    found = []
    for _ in range(count):
        message = await socket.receive(timeout=60)
        found.append(message["payload"]["data"]["orderEvents"]["order"]["id"])
    return found


async def test_two_hundred_subscribers_each_receive_every_event_once(
    api: Api, app: Any, live_url: str
) -> None:
    # given 200 connections, each subscribed to store 1's orders
    owner = await api.token("owner1@dangol.test")
    async with AsyncExitStack() as stack:
        sockets = [
            await stack.enter_async_context(graphql_socket(ws_url(live_url), owner))
            for _ in range(SUBSCRIBERS)
        ]
        for socket in sockets:
            await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1, SUBSCRIBERS)
        checks = app.state.services.rechecks
        batches_before = checks.batches
        # when five orders are created, each once every subscriber has the one before (so
        # that the checks of an event are asked together however fast orders are created)
        created: list[str] = []
        received: list[list[str]] = [[] for _ in sockets]
        for _ in range(EVENTS):
            created.append(await new_order(api, owner))
            arrived = await asyncio.gather(*(_orders_received(s, 1) for s in sockets))
            for mine, new in zip(received, arrived, strict=True):
                mine.extend(new)
        # then every subscriber has the five, in order
        assert all(got == created for got in received)
        # and nothing more: the next message on every socket is the answer to a ping
        for socket in sockets:
            await socket.ping()
        assert [(await s.receive())["type"] for s in sockets] == ["pong"] * SUBSCRIBERS
        # and the credentials of all 200 were checked together, about once per event
        assert checks.batches - batches_before <= 2 * EVENTS
    # and once the sockets are closed, the process holds no subscriber any more
    for _ in range(500):
        if app.state.services.events.subscribers(1) == 0:
            break
        await asyncio.sleep(0.01)
    assert app.state.services.events.subscribers(1) == 0
