"""Pruning: finished messages and webhook log lines past the retention window go, nothing else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.outbox import OutboxMessage
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from resolvers.retention import prune
from tests.outbox.helpers import queue_messages

pytestmark = pytest.mark.usefixtures("app")

KEEP = timedelta(days=30)
MAX_ATTEMPTS = 8


async def _age(message_id: int, created: datetime, **state: object) -> None:
    await OutboxMessage.filter(id=message_id).update(created_at=created, **state)


async def _log_line(message_id: int, at: datetime) -> int:
    message = await OutboxMessage.get(id=message_id)
    endpoint = await WebhookEndpoint.create(
        store_id=message.store_id,
        url="https://partner.example/hook",
        secret_sealed="sealed",
        secret_key_version=1,
        secret_hint="abcd",
    )
    line = await WebhookDelivery.create(
        store_id=message.store_id,
        endpoint_id=endpoint.id,
        message_id=message_id,
        event_id="00000000-0000-0000-0000-000000000001",
        event_type="order.created",
        attempt=1,
        status=DeliveryStatus.SUCCEEDED,
    )
    await WebhookDelivery.filter(id=line.id).update(created_at=at)
    return line.id


async def test_only_what_finished_before_the_window_is_deleted() -> None:
    # given messages of every state, old and recent, some with webhook log lines
    now = datetime.now(UTC)
    old, recent = now - KEEP - timedelta(days=1), now - timedelta(days=1)
    delivered_old, delivered_recent, pending_old, failed_old, logged_old, logged_recent = (
        await queue_messages(6)
    )
    await _age(delivered_old, old, delivered_at=old)
    await _age(delivered_recent, recent, delivered_at=recent)
    await _age(pending_old, old, attempts=2)
    await _age(failed_old, old, attempts=MAX_ATTEMPTS)
    await _age(logged_old, old, delivered_at=old)
    await _age(logged_recent, old, delivered_at=old)
    await _log_line(logged_old, old)
    recent_line = await _log_line(logged_recent, recent)

    # when
    removed = await prune(now, KEEP, max_attempts=MAX_ATTEMPTS)

    # then the old log line went, and the finished messages no recent line still names
    left = set(await OutboxMessage.all().values_list("id", flat=True))
    assert left == {delivered_recent, pending_old, logged_recent}
    assert set(await WebhookDelivery.all().values_list("id", flat=True)) == {recent_line}
    assert removed == 4  # the old line, and three messages
