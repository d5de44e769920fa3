"""liveKpis: today's orders and sales in the store's time zone, pushed on change, spaced out."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest

from models.orders import Order, OrderStatus
from resolvers import live
from resolvers.live import today_kpis
from tests.client import Api
from tests.live.helpers import LIVE_KPIS, new_order, store, until_subscribed
from tests.orders.factories import order
from tests.wsclient import graphql_socket, ws_url


async def test_today_counts_the_stores_day_without_cancelled_orders_less_refunds(app: Any) -> None:
    # given, at 10:00 in Seoul (01:00 UTC): orders of today, of yesterday evening, one cancelled
    now = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)
    today = await order(1, price=5000, quantity=2)  # 10,000
    refunded = await order(1, price=3000, quantity=1, status=OrderStatus.COMPLETED)
    cancelled = await order(1, price=7000, quantity=1, status=OrderStatus.CANCELLED)
    yesterday = await order(1, price=9000, quantity=1)
    other_store = await order(2, price=8000, quantity=1)
    await Order.filter(id__in=[today.id, cancelled.id, other_store.id]).update(
        created_at=datetime(2026, 12, 2, 15, 30, tzinfo=UTC)  # 00:30 on the 3rd in Seoul
    )
    await Order.filter(id=refunded.id).update(
        created_at=datetime(2026, 12, 3, 0, 10, tzinfo=UTC), refunded_amount=1000
    )
    await Order.filter(id=yesterday.id).update(
        created_at=datetime(2026, 12, 2, 14, 50, tzinfo=UTC)  # 23:50 on the 2nd in Seoul
    )
    # when
    kpis = await today_kpis(1, now)
    # then
    assert (str(kpis.day), kpis.orders, kpis.sales) == ("2026-12-03", 2, 10_000 + 3000 - 1000)
    assert kpis.average_ticket == 6000


async def test_kpis_come_at_once_then_at_most_once_per_interval(
    api: Api, app: Any, live_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given the interval between pushes is 3 s here (1 s in production)
    monkeypatch.setattr(live, "KPI_INTERVAL_SECONDS", 3.0)
    owner = await api.token("owner1@dangol.test")
    async with graphql_socket(ws_url(live_url), owner) as socket:
        await socket.subscribe(LIVE_KPIS, store(1))
        first = await socket.receive()
        started = time.monotonic()
        await until_subscribed(app, 1)
        # when three orders come within the interval
        for _ in range(3):
            await new_order(api, owner, quantity=1)
        created_within = time.monotonic() - started
        second = await socket.receive()
    # then the figures as they were, then one push with all three orders
    before = first["payload"]["data"]["liveKpis"]
    after = second["payload"]["data"]["liveKpis"]
    assert created_within < 3.0, "the machine was too slow for this test's interval"
    assert after["orders"] == before["orders"] + 3
    assert after["sales"] == before["sales"] + 3 * 4500
    assert after["day"] == before["day"]
