"""What the service keeps, and for how long: delivered messages, the webhook log, rate counters.

The outbox and the webhook delivery log grow with every event; past the retention
window a delivered message and its log lines only cost space. A failed-for-good
message stays as long, for the owner or an operator to look at. A rate counter is read
for two of its windows (``core.throttling``) and is of no use after. Rows go in batches,
each its own short transaction, so pruning never holds the write lock for long.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q

from core.database import write_transaction
from models.outbox import OutboxMessage
from models.throttling import RateCounter
from models.webhooks import WebhookDelivery

BATCH = 1000


async def prune(now: datetime, keep: timedelta, *, max_attempts: int) -> int:
    """Delete webhook log lines and finished outbox messages older than ``keep``.

    Returns how many rows went."""
    cutoff = now - keep
    removed = 0
    while found := await _ids(WebhookDelivery.filter(created_at__lt=cutoff)):
        async with write_transaction():
            removed += await WebhookDelivery.filter(id__in=found).delete()
    finished = Q(delivered_at__lt=cutoff) | Q(delivered_at=None, attempts__gte=max_attempts)
    while found := await _ids(OutboxMessage.filter(finished, created_at__lt=cutoff)):
        logged: list[Any] = await WebhookDelivery.filter(message_id__in=found).values_list(
            "message_id", flat=True
        )
        still_logged = {int(pk) for pk in logged}
        gone = [pk for pk in found if pk not in still_logged]
        if not gone:
            break
        async with write_transaction():
            removed += await OutboxMessage.filter(id__in=gone).delete()
    return removed


async def prune_counters(now: datetime, longest_window: timedelta) -> int:
    """Delete rate counters no limit reads any more: of windows that began two of the longest
    windows before ``now``. Returns how many rows went."""
    cutoff = int((now - 2 * longest_window).timestamp())
    removed = 0
    while found := await _ids(RateCounter.filter(window_start__lt=cutoff)):
        async with write_transaction():
            removed += await RateCounter.filter(id__in=found).delete()
    return removed


async def _ids(rows: Any) -> list[int]:
    found: list[Any] = await rows.order_by("id").limit(BATCH).values_list("id", flat=True)
    return [int(pk) for pk in found]
