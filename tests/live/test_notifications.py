"""On PostgreSQL a live event's outbox row and its notification are one statement, and the
notification carries the row's id, its store, its type and, when they fit, its refs."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from core.broadcast import CHANNEL, LiveEvent
from core.database import connection, write_transaction
from models.outbox import OutboxMessage
from models.webhooks import EventType
from resolvers import events
from tests.conftest import BACKEND
from tests.statements import recorded

pytestmark = [
    pytest.mark.usefixtures("app"),
    pytest.mark.skipif(BACKEND != "postgres", reason="LISTEN/NOTIFY is PostgreSQL's"),
]

WAIT = 10  # seconds: a notification comes at the commit


async def test_a_live_event_is_written_and_announced_in_one_statement() -> None:
    # when an order event is published in a transaction
    with recorded() as sent:
        async with write_transaction():
            message = await events.publish(
                store_id=1, type=EventType.ORDER_CREATED, data={}, refs={"order": 7}
            )
    # then its row and its notification went in one statement, and the row is the one returned
    assert len(sent) == 1
    stored = await OutboxMessage.get(id=message.id)
    assert (stored.kind, stored.payload["refs"]["order"]) == ("event.order.created", 7)


async def test_the_notification_carries_the_rows_id_and_its_refs_when_they_fit() -> None:
    heard: asyncio.Queue[str] = asyncio.Queue()

    def hear(*args: Any) -> None:
        heard.put_nowait(args[3])  # (connection, pid, channel, payload)

    async with connection().acquire_connection() as listener:
        await listener.add_listener(CHANNEL, hear)
        try:
            # when two events commit, the second with refs too large for a notification
            async with write_transaction():
                small = await events.publish(
                    store_id=1, type=EventType.ORDER_CREATED, data={}, refs={"order": 7}
                )
                large = await events.publish(
                    store_id=1, type=EventType.ORDER_CREATED, data={}, refs={"note": "x" * 9_000}
                )
            first = LiveEvent.from_notification(await asyncio.wait_for(heard.get(), WAIT))
            second = LiveEvent.from_notification(await asyncio.wait_for(heard.get(), WAIT))
        finally:
            await listener.remove_listener(CHANNEL, hear)
    # then each names its row; the first carries its refs, the second none (its row has them)
    assert (first.id, first.store_id, first.type, first.refs["order"]) == (
        small.id,
        1,
        "order.created",
        7,
    )
    assert (second.id, second.refs) == (large.id, {})
