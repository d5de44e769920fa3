"""The notification outbox: written in the transaction of the event, delivered by a sender later."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from models.outbox import OutboxMessage


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
        available_at=available_at or datetime.now(timezone.utc),
    )
