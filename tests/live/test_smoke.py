from __future__ import annotations

from typing import Any

from tests.client import Api
from tests.live.helpers import ORDER_EVENTS, new_order, store, until_subscribed
from tests.wsclient import graphql_socket, ws_url


async def test_an_order_reaches_its_store_subscriber(api: Api, app: Any, live_url: str) -> None:
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), owner) as socket:
        sub = await socket.subscribe(ORDER_EVENTS, store(1))
        await until_subscribed(app, 1)
        order_id = await new_order(api, owner)
        message = await socket.receive()
        print(message)
        assert message["id"] == sub
        assert message["payload"]["data"]["orderEvents"]["order"]["id"] == order_id
