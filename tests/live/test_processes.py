"""Two server processes on one database: an order made through one reaches the other's subscriber
(PostgreSQL: LISTEN/NOTIFY; SQLite: each process tails the outbox)."""

from __future__ import annotations

import httpx

from core.settings import Settings
from tests.client import LOGIN, gid
from tests.live.helpers import ORDER_EVENTS, store
from tests.servers import uvicorn_server
from tests.wsclient import graphql_socket, ws_url

CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { ... on ProductSuccess { product { id } } }
}
"""
CREATE_ORDER = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) { ... on OrderSuccess { order { id } } }
}
"""


async def _data(
    client: httpx.AsyncClient, url: str, query: str, variables: dict, token: str = ""
) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"])


async def test_an_order_created_through_one_process_reaches_a_subscriber_of_the_other(
    settings: Settings,
) -> None:
    async with (
        uvicorn_server(settings) as first,
        uvicorn_server(settings) as second,
        httpx.AsyncClient(timeout=30) as client,
    ):
        credentials = {"email": "owner1@dangol.test", "password": "dangol-demo"}
        owner = (await _data(client, first, LOGIN, {"input": credentials}))["login"]["accessToken"]
        product = await _data(
            client,
            first,
            CREATE_PRODUCT,
            {"input": {"storeId": gid("Store", 1), "name": "콜드브루", "price": 5500}},
            owner,
        )
        lines = [{"productId": product["createProduct"]["product"]["id"], "quantity": 1}]
        # given a subscriber of the second process
        async with graphql_socket(ws_url(second), owner) as socket:
            await socket.subscribe(ORDER_EVENTS, store(1))
            created: list[str] = []
            message = None
            # when orders are created through the first (until one is heard: the protocol
            # does not say when a subscription has started, so the first may come too early)
            for attempt in range(10):
                order = {
                    "storeId": gid("Store", 1),
                    "channel": "IN_STORE",
                    "lines": lines,
                    "idempotencyKey": f"two-processes-{attempt}",
                }
                answer = await _data(client, first, CREATE_ORDER, {"input": order}, owner)
                created.append(answer["createOrder"]["order"]["id"])
                try:
                    message = await socket.receive(timeout=3)
                    break
                except TimeoutError:
                    continue
    # then the second process's subscriber heard of an order made through the first
    assert message is not None, "no event crossed the processes"
    assert message["payload"]["data"]["orderEvents"]["order"]["id"] in created
    assert message["payload"]["data"]["orderEvents"]["type"] == "CREATED"
