"""A store's webhook endpoints (J4): registered by the owner (or a partner key allowed to),
each with the events it wants and a secret shown once; and their delivery log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import InvalidInput, NotFound, UserError
from core.outbound import UnsafeUrl, check_url
from models.outbox import OutboxMessage
from models.stores import Store
from models.webhooks import EventType, WebhookDelivery, WebhookEndpoint
from resolvers import audit
from resolvers.webhooks.secrets import hint, new_secret, seal

MAX_ENDPOINTS = 10
MAX_DESCRIPTION = 200
WEBHOOK_CHANNEL = "webhook"


class WebhookEndpointDisabled(UserError):
    """The endpoint is switched off (by its owner or after a run of failures)."""

    code = "WEBHOOK_ENDPOINT_DISABLED"


@dataclass(frozen=True)
class EndpointAnswer:
    endpoint: WebhookEndpoint
    secret: str | None = None
    """The whole secret, when this answer made one (creation, rotation); never again."""


def _url(ctx: Context, url: str) -> str:
    try:
        check_url(url, allow_private=ctx.settings.webhook_allow_private_addresses)
    except UnsafeUrl as refused:
        raise InvalidInput(str(refused), field="url") from refused
    return url.strip()


def _events(wanted: list[EventType]) -> list[str]:
    chosen = sorted({EventType(event).value for event in wanted})
    if not chosen:
        raise InvalidInput("Choose at least one event.", field="events")
    return chosen


def _description(text: str) -> str:
    text = text.strip()
    if len(text) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"A description has at most {MAX_DESCRIPTION} characters.", field="description"
        )
    return text


def _shown(endpoint: WebhookEndpoint) -> dict[str, Any]:
    return {
        "url": endpoint.url,
        "events": list(endpoint.events),
        "description": endpoint.description,
        "active": endpoint.is_active,
    }


async def _sealed_into(ctx: Context, endpoint: WebhookEndpoint) -> str:
    secret = new_secret()
    sealed = seal(ctx.settings, secret, store_id=endpoint.store_id, endpoint_id=endpoint.id)
    endpoint.secret_sealed, endpoint.secret_key_version = sealed.text, sealed.version
    endpoint.secret_hint = hint(secret)
    await WebhookEndpoint.filter(id=endpoint.id).update(
        secret_sealed=sealed.text, secret_key_version=sealed.version, secret_hint=hint(secret)
    )
    return secret


async def create_endpoint(
    ctx: Context, *, store_id: int, url: str, events: list[EventType], description: str = ""
) -> EndpointAnswer:
    values: dict[str, Any] = {
        "url": _url(ctx, url),
        "events": _events(events),
        "description": _description(description),
    }
    principal = await ctx.principal()
    async with write_transaction():
        await lock_rows(Store, id=store_id)  # racing creations take turns at the limit
        if await WebhookEndpoint.filter(store_id=store_id).count() >= MAX_ENDPOINTS:
            raise InvalidInput(f"A store has at most {MAX_ENDPOINTS} endpoints.", field="url")
        endpoint = await WebhookEndpoint.create(
            store_id=store_id,
            secret_sealed="",
            secret_key_version=0,
            secret_hint="",
            created_by_id=principal.account_id,
            created_by_api_key_id=principal.api_key_id,
            **values,
        )
        secret = await _sealed_into(ctx, endpoint)
        await audit.record(
            ctx,
            store_id=store_id,
            action="webhooks.create",
            target_type="webhook_endpoint",
            target_id=endpoint.id,
            after=_shown(endpoint),
        )
    return EndpointAnswer(endpoint, secret)


async def update_endpoint(
    ctx: Context, *, endpoint_id: int, changes: dict[str, Any], rotate_secret: bool = False
) -> EndpointAnswer:
    """Change what is given; ``active=True`` switches a disabled endpoint back on."""
    values: dict[str, Any] = {}
    if changes.get("url") is not None:
        values["url"] = _url(ctx, changes["url"])
    if changes.get("events") is not None:
        values["events"] = _events(changes["events"])
    if changes.get("description") is not None:
        values["description"] = _description(changes["description"])
    if changes.get("active") is True:
        values.update(
            is_active=True, consecutive_failures=0, disabled_at=None, disabled_reason=None
        )
    elif changes.get("active") is False:
        values.update(
            is_active=False, disabled_at=datetime.now(UTC), disabled_reason="switched off"
        )
    async with write_transaction():
        endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
        if endpoint is None:
            raise NotFound("No such webhook endpoint.", field="endpoint_id")
        before = _shown(endpoint)
        if values:
            await WebhookEndpoint.filter(id=endpoint_id).update(**values)
            endpoint = await WebhookEndpoint.get(id=endpoint_id)
        secret = await _sealed_into(ctx, endpoint) if rotate_secret else None
        await audit.record(
            ctx,
            store_id=endpoint.store_id,
            action="webhooks.update",
            target_type="webhook_endpoint",
            target_id=endpoint_id,
            before=before,
            after={**_shown(endpoint), "secret_rotated": rotate_secret},
        )
    return EndpointAnswer(endpoint, secret)


async def delete_endpoint(ctx: Context, *, endpoint_id: int) -> int:
    """Delete the endpoint and its log; deliveries still queued for it are dropped."""
    async with write_transaction():
        endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id)
        if endpoint is None:
            raise NotFound("No such webhook endpoint.", field="endpoint_id")
        await WebhookDelivery.filter(endpoint_id=endpoint_id).delete()
        await WebhookEndpoint.filter(id=endpoint_id).delete()
        await audit.record(
            ctx,
            store_id=endpoint.store_id,
            action="webhooks.delete",
            target_type="webhook_endpoint",
            target_id=endpoint_id,
            before=_shown(endpoint),
        )
    return endpoint_id


async def redeliver(ctx: Context, *, delivery_id: int) -> OutboxMessage:
    """Queue the delivery's event again for its endpoint: same event id, a fresh signature."""
    async with write_transaction():
        delivery = await WebhookDelivery.get_or_none(id=delivery_id)
        if delivery is None:
            raise NotFound("No such delivery.", field="delivery_id")
        endpoint = await WebhookEndpoint.get(id=delivery.endpoint_id)
        if not endpoint.is_active:
            raise WebhookEndpointDisabled(
                "The endpoint is switched off; switch it on (updateWebhookEndpoint) first.",
                field="delivery_id",
            )
        original = await OutboxMessage.get(id=delivery.message_id)
        message = await OutboxMessage.create(
            store_id=delivery.store_id,
            kind=original.kind,
            payload={**original.payload, "redelivery_of": delivery.id},
            available_at=datetime.now(UTC),
        )
        await audit.record(
            ctx,
            store_id=delivery.store_id,
            action="webhooks.redeliver",
            target_type="webhook_delivery",
            target_id=delivery.id,
            after={"event_id": delivery.event_id, "message_id": message.id},
        )
    return message


async def endpoints_of(store_id: int) -> list[WebhookEndpoint]:
    return await WebhookEndpoint.filter(store_id=store_id).order_by("id")


async def deliveries_page(
    endpoint_id: int, *, size: int, before_id: int | None
) -> list[WebhookDelivery]:
    """Newest first; one more than ``size``, to tell whether more exist."""
    query = WebhookDelivery.filter(endpoint_id=endpoint_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)
