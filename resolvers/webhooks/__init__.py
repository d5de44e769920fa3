"""Webhooks (J4): endpoints per store, and deliveries of the store's events from the outbox."""

from resolvers.webhooks.delivery import EventFanOut, WebhookSender, register_senders
from resolvers.webhooks.endpoints import (
    MAX_ENDPOINTS,
    EndpointAnswer,
    WebhookEndpointDisabled,
    create_endpoint,
    delete_endpoint,
    deliveries_page,
    endpoints_of,
    redeliver,
    update_endpoint,
)

__all__ = [
    "MAX_ENDPOINTS",
    "EndpointAnswer",
    "EventFanOut",
    "WebhookEndpointDisabled",
    "WebhookSender",
    "create_endpoint",
    "delete_endpoint",
    "deliveries_page",
    "endpoints_of",
    "redeliver",
    "register_senders",
    "update_endpoint",
]
