"""Webhooks (J4): endpoints, their delivery log, redelivery, and the body partners receive."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from core import errors
from models.webhooks import (
    WebhookDelivery as WebhookDeliveryModel,
    WebhookEndpoint as WebhookEndpointModel,
)
from resolvers import idempotency, webhooks
from schema.enums import EventType, WebhookDeliveryStatus
from schema.errors import result
from schema.ids import decode_id, pk_of
from schema.inputs import provided
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile

# The type of each id a webhook's data may carry, so partners get the API's global ids.
ID_TYPES = {
    "order_id": "Order",
    "customer_id": "Customer",
    "entry_id": "PointEntry",
    "from_tier_id": "Tier",
    "to_tier_id": "Tier",
    "stock_item_id": "StockItem",
}


def _rendered(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {
            to_camel_case(str(key)): (
                str(relay.GlobalID(ID_TYPES[key], str(item)))
                if key in ID_TYPES and isinstance(item, int) and not isinstance(item, bool)
                else _rendered(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_rendered(item) for item in value]
    return value


def render_event(store_id: int, event: Mapping[str, Any]) -> str:
    """The JSON body of a webhook: the event's id, type, time, store and data, API-shaped."""
    document = {
        "id": event.get("event_id"),
        "type": event.get("type"),
        "createdAt": event.get("occurred_at"),
        "storeId": str(relay.GlobalID("Store", str(store_id))),
        "data": _rendered(event.get("data") or {}),
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


@strawberry.type(description="One attempt to deliver one event to an endpoint.")
class WebhookDelivery(relay.Node):
    id: relay.NodeID[int]
    event_id: str = strawberry.field(description="The same for every attempt of one event.")
    event_type: EventType
    attempt: int
    status: WebhookDeliveryStatus
    response_code: int | None
    response_body: str | None = strawberry.field(description="Its first 300 characters.")
    error: str | None
    duration_ms: int | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: WebhookDeliveryModel) -> WebhookDelivery:
        return cls(
            id=row.id,
            event_id=row.event_id,
            event_type=EventType(row.event_type),
            attempt=row.attempt,
            status=row.status,
            response_code=row.response_code,
            response_body=row.response_body,
            error=row.error,
            duration_ms=row.duration_ms,
            created_at=row.created_at,
        )


@strawberry.type
class WebhookDeliveryConnection(Connection[WebhookDelivery]):
    pass


@strawberry.type(description="A partner URL that hears some of the store's events.")
class WebhookEndpoint(relay.Node):
    id: relay.NodeID[int]
    url: str
    description: str
    events: list[EventType]
    active: bool
    secret_hint: str = strawberry.field(description="The secret's last characters, to tell it.")
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: WebhookEndpointModel) -> WebhookEndpoint:
        return cls(
            id=row.id,
            url=row.url,
            description=row.description,
            events=[EventType(event) for event in row.events],
            active=row.is_active,
            secret_hint=row.secret_hint,
            consecutive_failures=row.consecutive_failures,
            disabled_at=row.disabled_at,
            disabled_reason=row.disabled_reason,
            last_success_at=row.last_success_at,
            last_failure_at=row.last_failure_at,
            created_at=row.created_at,
        )

    @field(description="Newest first.")
    async def deliveries(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> WebhookDeliveryConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        before_id = cursor[0] if cursor else None
        rows = await webhooks.deliveries_page(self.id, size=size, before_id=before_id)
        return connection(
            WebhookDeliveryConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=WebhookDelivery.from_model,
            has_previous=cursor is not None,
            total=WebhookDeliveryModel.filter(endpoint_id=self.id).count,
        )


@strawberry.input
class CreateWebhookEndpointInput:
    store_id: relay.GlobalID
    url: str
    events: list[EventType]
    description: str = ""


@strawberry.input
class UpdateWebhookEndpointInput:
    endpoint_id: relay.GlobalID
    url: str | None = strawberry.UNSET
    events: list[EventType] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="true switches a disabled endpoint back on."
    )
    rotate_secret: bool = strawberry.field(
        default=False, description="Make a new secret (shown once, in this answer)."
    )


@strawberry.input
class DeleteWebhookEndpointInput:
    endpoint_id: relay.GlobalID


@strawberry.input
class RedeliverWebhookInput:
    delivery_id: relay.GlobalID
    idempotency_key: str


@strawberry.type
class WebhookEndpointSuccess:
    endpoint: WebhookEndpoint
    secret: str | None = strawberry.field(
        description="The whole signing secret when this answer made it; shown this once."
    )


@strawberry.type
class DeleteWebhookEndpointSuccess:
    deleted_endpoint_id: relay.GlobalID


@strawberry.type
class RedeliverWebhookSuccess:
    endpoint: WebhookEndpoint
    event_id: str
    queued_at: datetime


CreateWebhookEndpointResult = result(
    "CreateWebhookEndpointResult", WebhookEndpointSuccess, errors.InvalidInput, errors.NotFound
)
UpdateWebhookEndpointResult = result(
    "UpdateWebhookEndpointResult", WebhookEndpointSuccess, errors.InvalidInput, errors.NotFound
)
DeleteWebhookEndpointResult = result(
    "DeleteWebhookEndpointResult", DeleteWebhookEndpointSuccess, errors.NotFound
)
RedeliverWebhookResult = result(
    "RedeliverWebhookResult",
    RedeliverWebhookSuccess,
    webhooks.WebhookEndpointDisabled,
    errors.IdempotencyKeyReused,
    errors.InvalidInput,
    errors.NotFound,
)
_endpoint_store = owner_store_of("input.endpoint_id", WebhookEndpointModel, "WebhookEndpoint")
_delivery_store = owner_store_of("input.delivery_id", WebhookDeliveryModel, "WebhookDelivery")


def _answer(answer: webhooks.EndpointAnswer) -> WebhookEndpointSuccess:
    return WebhookEndpointSuccess(
        endpoint=WebhookEndpoint.from_model(answer.endpoint), secret=answer.secret
    )


@strawberry.type
class Mutation:
    @mutation(
        "webhooks.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateWebhookEndpointResult,
    )
    async def create_webhook_endpoint(
        self, info: Info, input: CreateWebhookEndpointInput
    ) -> WebhookEndpointSuccess:
        return _answer(
            await webhooks.create_endpoint(
                info.context,
                store_id=decode_id(input.store_id, "Store"),
                url=input.url,
                events=input.events,
                description=input.description,
            )
        )

    @mutation(
        "webhooks.manage",
        store=_endpoint_store,
        absent="webhook endpoint",
        result=UpdateWebhookEndpointResult,
    )
    async def update_webhook_endpoint(
        self, info: Info, input: UpdateWebhookEndpointInput
    ) -> WebhookEndpointSuccess:
        changes = provided(input, "endpoint_id", "rotate_secret", nullable=())
        return _answer(
            await webhooks.update_endpoint(
                info.context,
                endpoint_id=decode_id(input.endpoint_id, "WebhookEndpoint"),
                changes=changes,
                rotate_secret=input.rotate_secret,
            )
        )

    @mutation(
        "webhooks.manage",
        store=_endpoint_store,
        absent="webhook endpoint",
        result=DeleteWebhookEndpointResult,
    )
    async def delete_webhook_endpoint(
        self, info: Info, input: DeleteWebhookEndpointInput
    ) -> DeleteWebhookEndpointSuccess:
        deleted = await webhooks.delete_endpoint(
            info.context, endpoint_id=decode_id(input.endpoint_id, "WebhookEndpoint")
        )
        return DeleteWebhookEndpointSuccess(
            deleted_endpoint_id=relay.GlobalID("WebhookEndpoint", str(deleted))
        )

    @mutation(
        "webhooks.manage",
        store=_delivery_store,
        absent="delivery",
        result=RedeliverWebhookResult,
    )
    async def redeliver_webhook(
        self, info: Info, input: RedeliverWebhookInput
    ) -> RedeliverWebhookSuccess:
        delivery_id = pk_of(input.delivery_id, "WebhookDelivery", field="deliveryId")
        delivery = await WebhookDeliveryModel.get(id=delivery_id)

        async def execute() -> dict[str, Any]:
            message = await webhooks.redeliver(info.context, delivery_id=delivery_id)
            return {"queued_at": message.available_at.isoformat()}

        done = await idempotency.run_once(
            store_id=delivery.store_id,
            operation="redeliverWebhook",
            key=input.idempotency_key,
            request={"delivery_id": delivery_id},
            execute=execute,
        )
        endpoint = await WebhookEndpointModel.get(id=delivery.endpoint_id)
        return RedeliverWebhookSuccess(
            endpoint=WebhookEndpoint.from_model(endpoint),
            event_id=delivery.event_id,
            queued_at=datetime.fromisoformat(done["queued_at"]),
        )


@strawberry.type
class StoreWebhooks(StoreProfile):
    @query("webhooks.read", store=source_store())
    async def webhook_endpoints(self, info: Info) -> list[WebhookEndpoint]:
        return [WebhookEndpoint.from_model(row) for row in await webhooks.endpoints_of(self.id)]
