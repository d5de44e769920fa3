"""Messages for outbox tests, queued through the real ``enqueue``,
and senders that implement the interface."""

from __future__ import annotations

import asyncio
from datetime import datetime

from models.accounts import Account
from models.outbox import OutboxMessage
from models.stores import Store
from resolvers.outbox import enqueue


async def queue_messages(
    count: int,
    *,
    kind: str = "test.hello",
    available_at: datetime | None = None,
    channel: str | None = None,
) -> list[int]:
    store = await Store.all().order_by("id").first()
    account = await Account.all().order_by("id").first()
    assert store and account
    ids = []
    for number in range(count):
        payload: dict[str, object] = {"number": number}
        if channel:
            payload["channel"] = channel
        message = await enqueue(
            store_id=store.id,
            account_id=account.id,
            kind=kind,
            payload=payload,
            available_at=available_at,
        )
        ids.append(message.id)
    return ids


async def reload(message_id: int) -> OutboxMessage:
    return await OutboxMessage.get(id=message_id)


class RecordingSender:
    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send(self, message: OutboxMessage) -> None:
        await asyncio.sleep(0)
        self.sent.append(message.id)


class FailingSender:
    def __init__(self, error: str = "provider unavailable") -> None:
        self.error = error
        self.calls = 0

    async def send(self, message: OutboxMessage) -> None:
        self.calls += 1
        raise ConnectionError(self.error)


class SlowFirstSender:
    """Records when each send ends; the earlier a message was queued, the longer it takes."""

    def __init__(self) -> None:
        self.finished: list[int] = []

    async def send(self, message: OutboxMessage) -> None:
        await asyncio.sleep(0.05 * (5 - int(message.payload["number"])))
        self.finished.append(message.id)
