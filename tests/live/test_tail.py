"""SQLite's bus tails the outbox; without subscribers it reads no event rows at all."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from models.outbox import OutboxMessage
from tests.client import Api, gid
from tests.conftest import BACKEND
from tests.live.helpers import new_order

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the tail is SQLite's")


async def _caught_up(bus: Any) -> None:
    newest = await OutboxMessage.all().order_by("-id").first()
    for _ in range(500):
        if newest is None or bus._last_seen >= newest.id:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the bus did not catch up with the outbox")


async def test_without_subscribers_no_event_is_read_and_a_new_one_hears_only_what_follows(
    api: Api, app: Any
) -> None:
    # given orders created while nobody listens
    bus = app.state.services.events
    owner = await api.token("owner1@dangol.test")
    for _ in range(3):
        await new_order(api, owner)
    await _caught_up(bus)
    # then no event row was read and handed out
    assert bus.dispatched == 0
    # when someone subscribes and another order comes
    with bus.subscribe(1, {"order.created"}) as subscription:
        order_id = await new_order(api, owner)
        event = await subscription.next(timeout=10)
        # then they hear that order, and none of the ones before
        assert event is not None
        assert gid("Order", event.refs["order"]) == order_id
        await _caught_up(bus)
        assert subscription.drain() == []
