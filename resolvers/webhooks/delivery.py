"""Webhook deliveries, from the outbox (J4).

Two senders of the ``outbox.deliver`` job, which brings the claims, the retries with
exponential backoff and the recovery after a crash (a claim's lease runs out):

* ``EventFanOut`` takes an event (channel ``event``) and queues one delivery message per
  active endpoint of the store that wants its type, in one transaction that also marks
  the event done, so an event is fanned out once even if the job dies around it.
* ``WebhookSender`` posts one delivery (channel ``webhook``), signed, and logs the
  attempt. A failure raises, so the outbox retries it later; a run of failures
  switches the endpoint off and alerts the store's owners.

Delivery is at least once: a receiver de-duplicates by the event id, which every
attempt and every redelivery of an event carries (``Dangol-Event-Id`` and ``id``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.expressions import F, Q

from core.context import Context
from core.database import write_transaction
from core.outbound import SIGNATURE_HEADER, Answer, Poster, sign
from core.senders import Senders
from core.services import Services
from core.settings import Settings
from models.notifications import NotificationKind
from models.outbox import OutboxMessage
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from policies.catalogue import OWNER
from resolvers.alerts import raise_alert
from resolvers.events import EVENT_CHANNEL
from resolvers.webhooks.endpoints import WEBHOOK_CHANNEL
from resolvers.webhooks.secrets import open_sealed

logger = logging.getLogger("dangol.webhooks")

SUCCESS_NOTED_EVERY = timedelta(seconds=1)
# Renders an event (its store and its outbox payload) as the JSON body partners receive.
Render = Callable[[int, Mapping[str, Any]], str]


class WebhookFailed(Exception):
    pass


class EventFanOut:
    """An event, into one queued delivery per endpoint that wants it."""

    async def send(self, message: OutboxMessage) -> None:
        now = datetime.now(UTC)
        store_id: int = message.store_id
        payload = message.payload
        event = {key: payload.get(key) for key in ("event_id", "type", "occurred_at", "data")}
        async with write_transaction():
            fresh = await OutboxMessage.filter(id=message.id, delivered_at=None).update(
                delivered_at=now
            )
            if not fresh:
                return
            endpoints = await WebhookEndpoint.filter(store_id=store_id, is_active=True).values(
                "id", "events"
            )
            wanting = [row["id"] for row in endpoints if event["type"] in (row["events"] or [])]
            await OutboxMessage.bulk_create(
                [
                    OutboxMessage(
                        store_id=store_id,
                        kind=WEBHOOK_CHANNEL,
                        payload={"channel": WEBHOOK_CHANNEL, "endpoint_id": pk, "event": event},
                        # due as the event was, so the run that fanned it out delivers it
                        available_at=_occurred(payload, now),
                    )
                    for pk in wanting
                ]
            )


def _occurred(payload: Mapping[str, Any], default: datetime) -> datetime:
    try:
        return min(datetime.fromisoformat(str(payload["occurred_at"])), default)
    except (KeyError, ValueError, TypeError):
        return default


class WebhookSender:
    """One signed POST of one event to one endpoint, and its line in the delivery log."""

    def __init__(self, settings: Settings, render: Render) -> None:
        self.settings = settings
        self.render = render
        self.poster = Poster(
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_private=settings.webhook_allow_private_addresses,
        )
        self._alerts: Context | None = None
        self._secrets: dict[tuple[int, str], str] = {}

    async def send(self, message: OutboxMessage) -> None:
        payload = message.payload
        event: Mapping[str, Any] = payload.get("event") or {}
        endpoint = await WebhookEndpoint.get_or_none(id=payload.get("endpoint_id"))
        if endpoint is None:
            return  # deleted with its log: nothing left to deliver to
        if not endpoint.is_active:
            await self._log(message, endpoint, event, None, DeliveryStatus.SKIPPED)
            return
        body = self.render(endpoint.store_id, event)
        secret = self._secret(endpoint)
        headers = {
            SIGNATURE_HEADER: sign(secret, int(time.time()), body),
            "Dangol-Event-Id": str(event.get("event_id")),
            "Dangol-Event-Type": str(event.get("type")),
            "Dangol-Delivery-Attempt": str(message.attempts),
        }
        answer = await self.poster.post(endpoint.url, body, headers)
        status = DeliveryStatus.SUCCEEDED if answer.ok else DeliveryStatus.FAILED
        await self._log(message, endpoint, event, answer, status)
        if not answer.ok:
            raise WebhookFailed(answer.error or f"HTTP {answer.status}")

    async def _log(
        self,
        message: OutboxMessage,
        endpoint: WebhookEndpoint,
        event: Mapping[str, Any],
        answer: Answer | None,
        status: DeliveryStatus,
    ) -> None:
        now = datetime.now(UTC)
        async with write_transaction():
            await WebhookDelivery.create(
                store_id=endpoint.store_id,
                endpoint_id=endpoint.id,
                message_id=message.id,
                event_id=str(event.get("event_id", "")),
                event_type=str(event.get("type", "")),
                attempt=message.attempts,
                status=status,
                response_code=answer.status if answer else None,
                response_body=answer.body if answer else None,
                error=(answer.error if answer else "the endpoint is switched off"),
                duration_ms=answer.duration_ms if answer else None,
            )
            if status == DeliveryStatus.SUCCEEDED:
                # Written when it changes (or once a second), not on every success: every
                # delivery to an endpoint would queue on its row otherwise.
                await WebhookEndpoint.filter(
                    Q(consecutive_failures__gt=0)
                    | Q(last_success_at=None)
                    | Q(last_success_at__lt=now - SUCCESS_NOTED_EVERY),
                    id=endpoint.id,
                ).update(consecutive_failures=0, last_success_at=now)
            elif status == DeliveryStatus.FAILED:
                await self._failed(endpoint, now)

    async def _failed(self, endpoint: WebhookEndpoint, now: datetime) -> None:
        await WebhookEndpoint.filter(id=endpoint.id).update(
            consecutive_failures=F("consecutive_failures") + 1, last_failure_at=now
        )
        limit = self.settings.webhook_disable_after_failures
        switched_off = await WebhookEndpoint.filter(
            id=endpoint.id, is_active=True, consecutive_failures__gte=limit
        ).update(
            is_active=False,
            disabled_at=now,
            disabled_reason=f"{limit} deliveries in a row failed",
        )
        if switched_off:
            logger.warning("webhook endpoint %s switched off after %s failures", endpoint.id, limit)
            await raise_alert(
                self._alert_context(),
                store_id=endpoint.store_id,
                kind=NotificationKind.WEBHOOK_DISABLED,
                payload={"endpoint_id": endpoint.id, "url": endpoint.url, "failures": limit},
                roles=(OWNER,),
            )

    def _secret(self, endpoint: WebhookEndpoint) -> str:
        """The endpoint's secret, opened once per sealed value (a rotation seals a new one)."""
        key = (endpoint.id, endpoint.secret_sealed)
        found = self._secrets.get(key)
        if found is None:
            if len(self._secrets) > 1000:
                self._secrets.clear()
            found = self._secrets[key] = open_sealed(
                self.settings,
                endpoint.secret_sealed,
                version=endpoint.secret_key_version,
                store_id=endpoint.store_id,
                endpoint_id=endpoint.id,
            )
        return found

    def _alert_context(self) -> Context:
        """Alerts read the store's owners from the policy: a context of our own, made once."""
        if self._alerts is None:
            self._alerts = Context(services=Services.create(self.settings))
        return self._alerts


def register_senders(senders: Senders, settings: Settings, render: Render) -> WebhookSender:
    """Hand events and webhook deliveries of the outbox to their senders."""
    sender = WebhookSender(settings, render)
    senders.register_channel(EVENT_CHANNEL, EventFanOut())
    senders.register_channel(WEBHOOK_CHANNEL, sender, in_order=True)
    return sender
