"""Delivery through a real HTTP provider adapter against a fake gateway on a local socket:
retries with backoff, final failures with the provider's reason, delivery reports, what
each recipient reads, and what never reaches a log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from core.messaging import HttpMessageProvider, OutgoingMessage, ProviderError
from core.settings import Settings
from models.messages import MessageDelivery
from models.outbox import OutboxMessage
from resolvers.messages.delivery import poll_reports
from tests.client import Api
from tests.conftest import with_settings
from tests.customers import factories
from tests.messages.fake_provider import KEY, FakeProvider
from tests.messages.helpers import (
    CAMPAIGN,
    campaign_input,
    create_campaign,
    deliver,
    owner,
    provider_at,
    senders_for,
    template,
)
from tests.orders.factories import pk

Fake = tuple[FakeProvider, str]


def _settings(settings: Settings) -> Settings:
    return with_settings(settings, outbox_max_attempts=4)


async def test_a_failing_provider_is_retried_with_backoff_until_it_takes_the_message(
    api: Api, settings: Settings, fake_provider: Fake
) -> None:
    # given a provider that answers 503 twice, then takes messages
    fake, url = fake_provider
    fake.fail_next(2)
    provider = provider_at(url)
    senders = senders_for(provider, _settings(settings))
    await factories.customer(1, name="김단골", phone="010-1111-2222", marketing_consent=True)
    token = await owner(api)
    made = await create_campaign(api, token, campaign_input(await template(api, token)))
    delivery = await MessageDelivery.get(campaign_id=pk(made["campaign"]["id"]))
    now = datetime.now(UTC) + timedelta(seconds=1)
    # when the outbox delivers: now, too early for the retry, after 30 s, after 60 s more
    first = await deliver(senders, now)
    after_first = await MessageDelivery.get(id=delivery.id)
    too_early = await deliver(senders, now + timedelta(seconds=10))
    second = await deliver(senders, now + timedelta(seconds=31))
    third = await deliver(senders, now + timedelta(seconds=31 + 61))
    # then
    assert (first, too_early, second, third) == (0, 0, 0, 1)
    assert after_first.status.value == "QUEUED"
    assert (after_first.failure_reason or "").startswith("TEMPORARILY_UNAVAILABLE")
    assert "010" not in (after_first.failure_reason or "")
    assert "1111" not in (after_first.failure_reason or "")
    sent = await MessageDelivery.get(id=delivery.id)
    assert (sent.status.value, sent.attempts) == ("SENT", 3)
    assert fake.requests == 3 and len(fake.accepted) == 1
    assert fake.texts_to("+821011112222") == ["김단골님, 카페 단골 성수점에서 기다립니다!"]
    # and the provider's report settles it as delivered
    assert await poll_reports(provider, now + timedelta(minutes=5)) == 1
    body = await api.data(CAMPAIGN, {"id": made["campaign"]["id"]}, token=token)
    campaign = body["node"]
    assert campaign["summary"]["delivered"] == 1
    [edge] = campaign["deliveries"]["edges"]
    assert edge["node"]["status"] == "DELIVERED" and edge["node"]["attempts"] == 3
    await provider.close()


async def test_a_final_provider_error_fails_the_delivery_with_its_reason_at_once(
    api: Api, settings: Settings, fake_provider: Fake
) -> None:
    # given a recipient the provider refuses for good, and one it takes
    fake, url = fake_provider
    fake.refuse["+821033334444"] = (400, "NOT_KAKAO_USER")
    provider = provider_at(url)
    senders = senders_for(provider, _settings(settings))
    await factories.customer(1, phone="010-3333-4444", marketing_consent=True)
    await factories.customer(1, phone="010-5555-6666", marketing_consent=True)
    token = await owner(api)
    made = await create_campaign(api, token, campaign_input(await template(api, token)))
    # when
    delivered = await deliver(senders)
    retried = await deliver(senders, datetime.now(UTC) + timedelta(hours=1))
    # then the refused one failed once, with the provider's code, and is not tried again
    assert (delivered, retried) == (2, 0)
    body = await api.data(CAMPAIGN, {"id": made["campaign"]["id"]}, token=token)
    summary = body["node"]["summary"]
    assert (summary["sent"], summary["failed"]) == (1, 1)
    failed = [
        e["node"] for e in body["node"]["deliveries"]["edges"] if e["node"]["status"] == "FAILED"
    ]
    assert failed[0]["failureReason"].startswith("NOT_KAKAO_USER")
    assert "3333" not in failed[0]["failureReason"]
    assert fake.requests == 2
    await provider.close()


async def test_retryable_failures_give_up_after_the_last_attempt(
    api: Api, settings: Settings, fake_provider: Fake
) -> None:
    # given a provider that is down for longer than four attempts
    fake, url = fake_provider
    fake.fail_next(10, status=429, code="RATE_LIMITED")
    senders = senders_for(provider_at(url), _settings(settings))
    await factories.customer(1, marketing_consent=True)
    token = await owner(api)
    await create_campaign(api, token, campaign_input(await template(api, token)))
    # when the outbox tries four times, each after its backoff
    at = datetime.now(UTC) + timedelta(seconds=1)
    for _ in range(6):
        await deliver(senders, at)
        at += timedelta(hours=1)
    # then the delivery failed with the provider's last reason, after exactly four tries
    delivery = await MessageDelivery.get()
    assert (delivery.status.value, delivery.attempts) == ("FAILED", 4)
    assert (delivery.failure_reason or "").startswith("RATE_LIMITED")
    assert fake.requests == 4
    assert (await OutboxMessage.get(kind="message")).attempts == 4


async def test_a_message_renders_only_its_own_recipients_data(
    api: Api, settings: Settings, fake_provider: Fake
) -> None:
    # given two customers, and a template with personal variables
    fake, url = fake_provider
    senders = senders_for(provider_at(url), _settings(settings))
    await factories.customer(1, name="김하나", phone="010-1000-0001", marketing_consent=True)
    await factories.customer(1, name="이두울", phone="010-1000-0002", marketing_consent=True)
    token = await owner(api)
    body = "#{name}님 (#{storeName}) 포인트 #{points}, 스탬프 #{stamps}"
    await create_campaign(api, token, campaign_input(await template(api, token, body)))
    # when
    await deliver(senders)
    # then each reads their own name, whole, and nobody else's
    assert fake.texts_to("+821010000001") == ["김하나님 (카페 단골 성수점) 포인트 0, 스탬프 0"]
    assert fake.texts_to("+821010000002") == ["이두울님 (카페 단골 성수점) 포인트 0, 스탬프 0"]
    # and the outbox never held a name or a number
    payloads = await OutboxMessage.filter(kind="message").values_list("payload", flat=True)
    assert all(set(p) == {"channel", "delivery_id"} for p in payloads)


async def test_the_adapter_maps_provider_answers_to_retryable_or_final(
    fake_provider: Fake, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    caplog.set_level(logging.DEBUG)
    fake, url = fake_provider
    provider = provider_at(url, timeout_seconds=0.3)
    message = OutgoingMessage("SMS", to="+821012345678", text="안녕하세요", reference="r-1")
    outcomes = []
    # when the provider answers 503, 400 INVALID_RECIPIENT, 401, an unknown 4xx, slowly, well
    fake.fail_next(1, 503, "TEMPORARILY_UNAVAILABLE")
    fake.fail_next(1, 400, "INVALID_RECIPIENT")
    fake.fail_next(1, 401, "UNAUTHORIZED")
    fake.fail_next(1, 422, "SOMETHING_NEW")
    for _ in range(4):
        with pytest.raises(ProviderError) as caught:
            await provider.send(message)
        outcomes.append((caught.value.code, caught.value.retryable))
    fake.delay_seconds = 1.0
    with pytest.raises(ProviderError) as slow:
        await provider.send(message)
    fake.delay_seconds = 0.0
    accepted = await provider.send(message)
    again = await provider.send(message)
    await provider.close()
    # then
    assert outcomes == [
        ("TEMPORARILY_UNAVAILABLE", True),
        ("INVALID_RECIPIENT", False),
        ("UNAUTHORIZED", True),
        ("SOMETHING_NEW", False),
    ]
    assert (slow.value.code, slow.value.retryable) == ("TIMEOUT", True)
    assert accepted == again and len(fake.accepted) == 1  # the reference keeps retries single
    # and neither the key nor the number reached a log line or an error
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert KEY not in logged and "12345678" not in logged
    assert all("12345678" not in str(e) for e in (slow.value, caught.value))


async def test_a_wrong_key_is_retryable_and_never_shown(fake_provider: Fake) -> None:
    # given
    _, url = fake_provider
    provider = HttpMessageProvider(url, "wrong-key-which-must-stay-secret")
    # when
    with pytest.raises(ProviderError) as caught:
        await provider.send(OutgoingMessage("SMS", to="+821012345678", text="x", reference="r"))
    await provider.close()
    # then
    assert (caught.value.code, caught.value.retryable) == ("UNAUTHORIZED", True)
    assert "wrong-key" not in str(caught.value) and "wrong-key" not in repr(provider)
