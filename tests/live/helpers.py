"""Documents and helpers of the subscription tests."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.client import Api, gid
from tests.orders.factories import create_order, order_input, product

ORDER_EVENTS = """
subscription($storeId: ID!) {
  orderEvents(storeId: $storeId) {
    eventId type status previousStatus refunded occurredAt
    order { id status total lines { productName quantity } }
  }
}
"""
STOCK_ALERTS = """
subscription($storeId: ID!) {
  stockAlerts(storeId: $storeId) { eventId raisedAt stockItemId message detail }
}
"""
LIVE_KPIS = """
subscription($storeId: ID!) { liveKpis(storeId: $storeId) { day orders sales averageTicket } }
"""


def store(number: int) -> dict[str, Any]:
    return {"storeId": gid("Store", number)}


async def new_order(api: Api, token: str, store_id: int = 1, quantity: int = 1) -> str:
    item = await product(store_id)
    created = await create_order(api, token, order_input(store_id, [(item.id, quantity)]))
    assert created["__typename"] == "OrderSuccess", created
    return str(created["order"]["id"])


async def until_subscribed(app: Any, store_id: int, count: int = 1) -> None:
    """Wait until the process's bus has ``count`` subscribers of the store (no protocol ack)."""
    bus = app.state.services.events
    for _ in range(500):
        if bus.subscribers(store_id) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {bus.subscribers(store_id)} subscribers of store {store_id}")
