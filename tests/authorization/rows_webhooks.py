"""Webhooks (J4): the owner's, and a partner key's that holds the action; nobody else's."""

from __future__ import annotations

from datetime import UTC, datetime

from models.outbox import OutboxMessage
from models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid

ENDPOINTS = "query($id: ID!) { store(id: $id) { id webhookEndpoints { id url } } }"
NODE_ENDPOINT = "query($id: ID!) { node(id: $id) { id ... on WebhookEndpoint { url } } }"
CREATE = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { __typename }
}
"""
UPDATE = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) { __typename }
}
"""
DELETE = """
mutation($input: DeleteWebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) { __typename }
}
"""
REDELIVER = """
mutation($input: RedeliverWebhookInput!) { redeliverWebhook(input: $input) { __typename } }
"""


async def _endpoint(w: World, target: str) -> WebhookEndpoint:
    return await WebhookEndpoint.create(
        store_id=w.store_id(target),
        url=f"https://partner.example/{w.unique('hook')}",
        events=["order.created"],
        secret_sealed="sealed",
        secret_key_version=1,
        secret_hint="whsec_...abcd",
    )


async def _endpoint_id(w: World, target: str) -> dict:
    endpoint = await _endpoint(w, target)
    return {"id": gid("WebhookEndpoint", endpoint.id)}


def _create(w: World, target: str) -> dict:
    return {
        "input": {
            "storeId": w.store(target),
            "url": f"https://partner.example/{w.unique('new')}",
            "events": ["ORDER_CREATED"],
        }
    }


async def _update(w: World, target: str) -> dict:
    endpoint = await _endpoint(w, target)
    return {
        "input": {"endpointId": gid("WebhookEndpoint", endpoint.id), "events": ["TIER_CHANGED"]}
    }


async def _delete(w: World, target: str) -> dict:
    endpoint = await _endpoint(w, target)
    return {"input": {"endpointId": gid("WebhookEndpoint", endpoint.id)}}


async def _redeliver(w: World, target: str) -> dict:
    endpoint = await _endpoint(w, target)
    message = await OutboxMessage.create(
        store_id=endpoint.store_id,
        kind="webhook",
        payload={"channel": "webhook", "endpoint_id": endpoint.id, "event": {}},
        available_at=datetime.now(UTC),
        delivered_at=datetime.now(UTC),
    )
    delivery = await WebhookDelivery.create(
        store_id=endpoint.store_id,
        endpoint_id=endpoint.id,
        message_id=message.id,
        event_id="6f1c1b2e-0000-4000-8000-000000000000",
        event_type="order.created",
        attempt=1,
        status=DeliveryStatus.FAILED,
        response_code=500,
    )
    return {
        "input": {
            "deliveryId": gid("WebhookDelivery", delivery.id),
            "idempotencyKey": w.unique("redeliver"),
        }
    }


OWNER_AND_PARTNER = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.webhookEndpoints", ENDPOINTS, lambda w, t: {"id": w.store(t)}, **OWNER_AND_PARTNER),
    Row(
        "Query.node",
        NODE_ENDPOINT,
        _endpoint_id,
        variant="WebhookEndpoint",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(ABSENT, ABSENT),
        staff=(ABSENT, ABSENT),
        partner=(OK, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row("Mutation.createWebhookEndpoint", CREATE, _create, **OWNER_AND_PARTNER),
    Row("Mutation.updateWebhookEndpoint", UPDATE, _update, **OWNER_AND_PARTNER),
    Row("Mutation.deleteWebhookEndpoint", DELETE, _delete, **OWNER_AND_PARTNER),
    Row("Mutation.redeliverWebhook", REDELIVER, _redeliver, **OWNER_AND_PARTNER),
]
