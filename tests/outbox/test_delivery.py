"""Outbox delivery: exactly once under concurrent deliverers, retries with backoff, routing."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.senders import NOTIFICATIONS_LOGGER, LogSender, Senders
from models.outbox import OutboxMessage
from resolvers.outbox import DeliveryPolicy, claim, deliver_due
from tests.outbox.helpers import (
    FailingSender,
    RecordingSender,
    SlowFirstSender,
    queue_messages,
    reload,
)

pytestmark = pytest.mark.usefixtures("app")


async def test_log_sender_writes_one_structured_line_per_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given
    ids = await queue_messages(3, kind="points.expiring")
    caplog.set_level(logging.INFO, logger=NOTIFICATIONS_LOGGER)

    # when
    delivered = await deliver_due(Senders(default=LogSender()))

    # then
    assert delivered == 3
    lines = [r.getMessage() for r in caplog.records if r.name == NOTIFICATIONS_LOGGER]
    records = [json.loads(line.removeprefix("notification ")) for line in lines]
    assert sorted(r["message_id"] for r in records) == ids
    assert {r["kind"] for r in records} == {"points.expiring"}
    for message_id in ids:
        message = await reload(message_id)
        assert message.delivered_at is not None and message.attempts == 1


async def test_two_concurrent_deliverers_deliver_each_message_exactly_once() -> None:
    # given
    ids = await queue_messages(60)
    first, second = RecordingSender(), RecordingSender()
    policy = DeliveryPolicy(batch_size=25, concurrency=4)

    # when
    counts = await asyncio.gather(
        deliver_due(Senders(default=first), policy), deliver_due(Senders(default=second), policy)
    )

    # then
    sent = Counter(first.sent + second.sent)
    assert sorted(sent) == ids and set(sent.values()) == {1}
    assert sum(counts) == 60
    assert await OutboxMessage.filter(delivered_at=None).count() == 0
    assert set(await OutboxMessage.all().values_list("attempts", flat=True)) == {1}


async def test_a_claim_is_won_by_one_deliverer_only() -> None:
    # given
    [message_id] = await queue_messages(1)
    now = datetime.now(UTC)

    # when
    claims = await asyncio.gather(*(claim(message_id, 0, now, DeliveryPolicy()) for _ in range(4)))

    # then
    assert sorted(claims) == [False, False, False, True]


async def test_a_failing_sender_is_retried_with_growing_backoff_then_given_up() -> None:
    # given
    [message_id] = await queue_messages(1)
    failing = FailingSender("kakao gateway 503")
    policy = DeliveryPolicy(max_attempts=3, backoff_seconds=10)
    senders = Senders(default=failing)
    now = datetime.now(UTC)

    # when the first attempt fails
    assert await deliver_due(senders, policy, now) == 0

    # then it waits, keeping the error
    first = await reload(message_id)
    assert first.attempts == 1 and first.delivered_at is None
    assert first.last_error == "ConnectionError: kakao gateway 503"
    assert first.available_at > now
    assert await deliver_due(senders, policy, now) == 0
    assert failing.calls == 1

    # when it is due again and fails again, the wait doubles
    await deliver_due(senders, policy, first.available_at)
    second = await reload(message_id)
    assert second.attempts == 2
    assert second.available_at - first.available_at == 2 * (first.available_at - now)

    # when the last attempt fails, the message is given up with its error kept
    await deliver_due(senders, policy, second.available_at)
    await deliver_due(senders, policy, second.available_at + timedelta(days=30))
    given_up = await reload(message_id)
    assert failing.calls == 3
    assert given_up.attempts == 3 and given_up.delivered_at is None
    assert given_up.last_error == "ConnectionError: kakao gateway 503"


async def test_a_retried_message_is_delivered_once_the_sender_recovers() -> None:
    # given
    [message_id] = await queue_messages(1)
    now = datetime.now(UTC)
    await deliver_due(Senders(default=FailingSender()), DeliveryPolicy(), now)
    retry_at = (await reload(message_id)).available_at

    # when
    recording = RecordingSender()
    delivered = await deliver_due(Senders(default=recording), DeliveryPolicy(), retry_at)

    # then
    assert delivered == 1 and recording.sent == [message_id]
    message = await reload(message_id)
    assert message.attempts == 2 and message.delivered_at is not None


async def test_messages_not_yet_due_wait() -> None:
    # given
    later = datetime.now(timezone(timedelta(hours=9))) + timedelta(hours=1)
    [message_id] = await queue_messages(1, available_at=later)
    recording = RecordingSender()

    # when
    before = await deliver_due(Senders(default=recording))
    after = await deliver_due(Senders(default=recording), now=later)

    # then
    assert before == 0 and after == 1 and recording.sent == [message_id]


async def test_senders_route_by_channel_then_kind_then_default() -> None:
    # given
    kakao, tier_mail, fallback = RecordingSender(), RecordingSender(), RecordingSender()
    senders = Senders(default=fallback)
    senders.register_channel("kakao", kakao)
    senders.register_kind("tiers.promoted", tier_mail)
    by_channel = await queue_messages(1, kind="tiers.promoted", channel="kakao")
    by_kind = await queue_messages(1, kind="tiers.promoted")
    by_default = await queue_messages(1, kind="points.expiring", channel="sms")

    # when
    await deliver_due(senders)

    # then
    assert (kakao.sent, tier_mail.sent, fallback.sent) == (by_channel, by_kind, by_default)


async def test_a_kind_kept_in_order_reaches_its_store_one_message_after_another() -> None:
    # given five messages of an ordered channel, the first the slowest to send
    ordered, loose = SlowFirstSender(), SlowFirstSender()
    senders = Senders()
    senders.register_channel("webhook", ordered, in_order=True)
    senders.register_channel("kakao", loose)
    in_order = await queue_messages(5, kind="webhook", channel="webhook")
    side_by_side = await queue_messages(5, kind="kakao", channel="kakao")

    # when
    await deliver_due(senders, DeliveryPolicy(concurrency=8))

    # then the ordered ones finished in the order queued; the others overtook each other
    assert ordered.finished == in_order
    assert loose.finished == side_by_side[::-1]
