"""Documents and helpers of the webhook tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.senders import Senders, build_senders
from core.settings import Settings
from resolvers.outbox import DeliveryPolicy, deliver_due
from resolvers.webhooks import register_senders
from schema.webhooks import render_event
from tests.client import Api, gid

CREATE_ENDPOINT = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointSuccess { secret endpoint { id url events active secretHint } }
    ... on UserError { code message field }
  }
}
"""
UPDATE_ENDPOINT = """
mutation($input: UpdateWebhookEndpointInput!) {
  updateWebhookEndpoint(input: $input) {
    __typename
    ... on WebhookEndpointSuccess {
      secret endpoint { id url events active consecutiveFailures disabledAt description }
    }
    ... on UserError { code message field }
  }
}
"""
DELETE_ENDPOINT = """
mutation($input: DeleteWebhookEndpointInput!) {
  deleteWebhookEndpoint(input: $input) {
    __typename ... on DeleteWebhookEndpointSuccess { deletedEndpointId }
    ... on UserError { code message field }
  }
}
"""
REDELIVER = """
mutation($input: RedeliverWebhookInput!) {
  redeliverWebhook(input: $input) {
    __typename ... on RedeliverWebhookSuccess { eventId queuedAt endpoint { id } }
    ... on UserError { code message field }
  }
}
"""
ENDPOINTS = """
query($id: ID!) {
  store(id: $id) {
    webhookEndpoints {
      id url events active secretHint consecutiveFailures disabledAt disabledReason
      deliveries(first: 50) {
        edges {
          node { id eventId eventType attempt status responseCode responseBody error durationMs }
        }
      }
    }
  }
}
"""


def senders_for(settings: Settings) -> Senders:
    senders = build_senders(settings)
    register_senders(senders, settings, render_event)
    return senders


async def deliver(settings: Settings, *, at: datetime | None = None, rounds: int = 3) -> int:
    """Run the outbox delivery as the job does, at ``at`` (events fan out, then deliveries)."""
    senders = senders_for(settings)
    policy = DeliveryPolicy(backoff_seconds=30, max_attempts=8)
    delivered = 0
    for _ in range(rounds):
        delivered += await deliver_due(senders, policy, at or datetime.now(UTC))
    return delivered


def later(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)


async def create_endpoint(
    api: Api, token: str, url: str, events: list[str] | None = None, store_id: int = 1
) -> dict[str, Any]:
    body = await api.data(
        CREATE_ENDPOINT,
        {
            "input": {
                "storeId": gid("Store", store_id),
                "url": url,
                "events": events or ["ORDER_CREATED"],
            }
        },
        token=token,
    )
    created = body["createWebhookEndpoint"]
    assert created["__typename"] == "WebhookEndpointSuccess", created
    return dict(created)
