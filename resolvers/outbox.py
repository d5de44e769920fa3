"""The notification outbox: written in the transaction of the event, delivered by a sender later.

Delivery claims a due message with a conditional update on its attempt count (the
row's version): of several deliverers that read the same message, one claim wins.
The claim moves ``available_at`` past a lease, so a deliverer that dies mid-send
leaves the message to be claimed again once the lease runs out.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.database import insert_rows
from core.senders import Senders
from models.outbox import OutboxMessage

logger = logging.getLogger("dangol.outbox")


async def enqueue(
    *,
    store_id: int,
    kind: str,
    payload: dict[str, Any],
    customer_id: int | None = None,
    account_id: int | None = None,
    available_at: datetime | None = None,
) -> OutboxMessage:
    """Queue a message to a customer or an account. Call it inside the event's transaction."""
    if (customer_id is None) == (account_id is None):
        raise ValueError("a message goes to exactly one customer or one account")
    return await OutboxMessage.create(
        store_id=store_id,
        kind=kind,
        payload=payload,
        customer_id=customer_id,
        account_id=account_id,
        available_at=_utc(available_at or datetime.now(UTC)),
    )


async def enqueue_many(
    *, store_id: int, kind: str, messages: list[tuple[int, dict[str, Any]]], available_at: datetime
) -> None:
    """Queue many messages to customers at once, as (customer id, payload) pairs (a campaign)."""
    at = _utc(available_at)
    now = datetime.now(UTC)
    await insert_rows(
        OutboxMessage._meta.db_table,
        ("store_id", "customer_id", "kind", "payload", "created_at", "available_at", "attempts"),
        [
            (store_id, customer_id, kind, json.dumps(payload), now, at, 0)
            for customer_id, payload in messages
        ],
    )


@dataclass(frozen=True)
class DeliveryPolicy:
    batch_size: int = 100
    max_attempts: int = 8
    backoff_seconds: float = 30.0
    max_backoff_seconds: float = 6 * 3600.0
    lease_seconds: float = 120.0
    send_timeout_seconds: float = 60.0
    concurrency: int = 8
    max_batches_per_run: int = 10

    def backoff(self, attempts: int) -> timedelta:
        seconds = self.backoff_seconds * 2 ** max(attempts - 1, 0)
        return timedelta(seconds=min(seconds, self.max_backoff_seconds))


async def deliver_due(
    senders: Senders, policy: DeliveryPolicy = DeliveryPolicy(), now: datetime | None = None
) -> int:
    """Deliver the messages due at ``now``, batch by batch. Returns how many were delivered."""
    delivered = 0
    for _ in range(policy.max_batches_per_run):
        at = _utc(now) if now is not None else datetime.now(UTC)
        due = await (
            OutboxMessage.filter(
                delivered_at=None, available_at__lte=at, attempts__lt=policy.max_attempts
            )
            .order_by("available_at", "id")
            .limit(policy.batch_size)
            .values_list("id", "attempts", "kind", "store_id")
        )
        if not due:
            break
        gate = asyncio.Semaphore(policy.concurrency)
        results = await asyncio.gather(
            *(_in_turn(gate, senders, policy, lane, at) for lane in _lanes(due, senders.in_order))
        )
        delivered += sum(results)
        if len(due) < policy.batch_size:
            break
    return delivered


def _lanes(due: list[Any], in_order: set[str]) -> list[list[tuple[int, int]]]:
    """Due (id, attempts, kind, store id) rows, into lanes delivered side by side: one lane per
    store for a kind kept in order, one lane per message otherwise."""
    lanes: dict[object, list[tuple[int, int]]] = {}
    for message_id, attempts, kind, store_id in due:
        key = (kind, store_id) if kind in in_order else message_id
        lanes.setdefault(key, []).append((int(message_id), int(attempts)))
    return list(lanes.values())


async def _in_turn(
    gate: asyncio.Semaphore,
    senders: Senders,
    policy: DeliveryPolicy,
    lane: list[tuple[int, int]],
    at: datetime,
) -> int:
    delivered = 0
    for message_id, attempts in lane:
        async with gate:
            delivered += await deliver_one(senders, policy, message_id, attempts, at)
    return delivered


async def claim(message_id: int, attempts: int, now: datetime, policy: DeliveryPolicy) -> bool:
    """Take the message for one delivery attempt; False when another deliverer took it first."""
    claimed = await OutboxMessage.filter(
        id=message_id, delivered_at=None, attempts=attempts, available_at__lte=now
    ).update(attempts=attempts + 1, available_at=now + timedelta(seconds=policy.lease_seconds))
    return claimed == 1


async def deliver_one(
    senders: Senders, policy: DeliveryPolicy, message_id: int, attempts: int, now: datetime
) -> bool:
    if not await claim(message_id, attempts, now, policy):
        return False
    message = await OutboxMessage.get(id=message_id)
    try:
        sender = senders.for_message(message)
        await asyncio.wait_for(sender.send(message), timeout=policy.send_timeout_seconds)
    except Exception as exc:
        await _record_failure(message, exc, policy, now)
        return False
    await OutboxMessage.filter(id=message_id, attempts=message.attempts).update(
        delivered_at=datetime.now(UTC)
    )
    return True


async def _record_failure(
    message: OutboxMessage, exc: Exception, policy: DeliveryPolicy, now: datetime
) -> None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    retry_at = now + policy.backoff(message.attempts)
    if message.attempts >= policy.max_attempts:
        logger.error(
            "outbox message %s failed for good after %s attempts: %s",
            message.id,
            message.attempts,
            error,
        )
    else:
        logger.warning(
            "outbox message %s failed (attempt %s), retry at %s: %s",
            message.id,
            message.attempts,
            retry_at.isoformat(),
            error,
        )
    await OutboxMessage.filter(id=message.id, attempts=message.attempts).update(
        available_at=retry_at, last_error=error
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("outbox times must carry a time zone")
    return moment.astimezone(UTC)
