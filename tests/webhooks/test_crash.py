"""Nothing is lost when the server is killed in the middle of a delivery (a real SIGKILL)."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from core.settings import Settings
from tests.client import LOGIN, gid
from tests.servers import server_process
from tests.webhooks.helpers import CREATE_ENDPOINT, ENDPOINTS
from tests.webhooks.receiver import Receiver

ORDERS = 5
ENVIRONMENT = {
    "DANGOL_RUN_JOBS": "true",
    "DANGOL_OUTBOX_INTERVAL_SECONDS": "1",
    "DANGOL_OUTBOX_LEASE_SECONDS": "3",
    "DANGOL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "true",
    "DANGOL_WEBHOOK_TIMEOUT_SECONDS": "60",
}
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { __typename ... on ProductSuccess { product { id } } }
}
"""
CREATE_ORDER = """
mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }
"""


async def _data(client: httpx.AsyncClient, query: str, variables: dict, token: str = "") -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables}, headers=headers
    )
    body = response.json()
    assert "errors" not in body, body
    return body["data"]


async def _until(condition: Any, seconds: float, what: str) -> None:
    for _ in range(int(seconds * 10)):
        if condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"waited {seconds} s for {what}")


async def test_a_delivery_cut_by_a_killed_server_is_made_after_the_restart(
    settings: Settings, receiver: tuple[Receiver, str]
) -> None:
    hook, url = receiver
    hook.hang_next = 1  # the first request is held until the server dies
    async with (
        server_process(settings, ENVIRONMENT) as (first_url, process),
        httpx.AsyncClient(base_url=first_url, timeout=30) as client,
    ):
        # given an endpoint and five orders, delivered by the server's own outbox job
        login = await _data(
            client, LOGIN, {"input": {"email": "owner1@dangol.test", "password": "dangol-demo"}}
        )
        owner = login["login"]["accessToken"]
        created = await _data(
            client,
            CREATE_ENDPOINT,
            {
                "input": {
                    "storeId": gid("Store", 1),
                    "url": f"{url}/hook",
                    "events": ["ORDER_CREATED"],
                }
            },
            owner,
        )
        hook.secrets.append(created["createWebhookEndpoint"]["secret"])
        product = await _data(
            client,
            CREATE_PRODUCT,
            {"input": {"storeId": gid("Store", 1), "name": "라떼", "price": 5000}},
            owner,
        )
        product_id = product["createProduct"]["product"]["id"]
        for number in range(ORDERS):
            order = {
                "storeId": gid("Store", 1),
                "channel": "IN_STORE",
                "lines": [{"productId": product_id, "quantity": 1}],
                "idempotencyKey": f"crash-{number}",
            }
            answer = await _data(client, CREATE_ORDER, {"input": order}, owner)
            assert answer["createOrder"]["__typename"] == "OrderSuccess"
        # when the server is killed while the receiver holds a delivery
        await asyncio.wait_for(hook.holding.wait(), 60)
        cut = hook.received[0].event_id
        process.kill()
        process.wait(10)
    # and a new server starts on the same database
    async with server_process(settings, ENVIRONMENT) as (second_url, _process):
        await _until(lambda: len(set(hook.event_ids())) == ORDERS, 60, "every event")
        await _until(lambda: hook.event_ids().count(cut) >= 2, 60, "the cut delivery again")
        async with httpx.AsyncClient(base_url=second_url, timeout=30) as client:
            login = await _data(
                client, LOGIN, {"input": {"email": "owner1@dangol.test", "password": "dangol-demo"}}
            )
            log = await _data(
                client, ENDPOINTS, {"id": gid("Store", 1)}, login["login"]["accessToken"]
            )
    # then every event reached the receiver, the cut one again after the restart, all signed
    assert all(item.signed for item in hook.received)
    assert len(set(hook.event_ids())) == ORDERS
    deliveries = [
        edge["node"] for edge in log["store"]["webhookEndpoints"][0]["deliveries"]["edges"]
    ]
    succeeded = {row["eventId"] for row in deliveries if row["status"] == "SUCCEEDED"}
    assert succeeded == set(hook.event_ids())
