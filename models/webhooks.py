"""Webhook endpoints of a store and the log of every delivery attempt (J4)."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.outbox import OutboxMessage
    from models.stores import Store


class EventType(str, Enum):
    """What happened in a store: the vocabulary of live events and of webhooks."""

    ORDER_CREATED = "order.created"
    ORDER_STATUS_CHANGED = "order.status_changed"
    ORDER_CANCELLED = "order.cancelled"
    ORDER_REFUNDED = "order.refunded"
    POINTS_CHANGED = "points.changed"
    TIER_CHANGED = "tier.changed"
    STOCK_ALERT = "stock.alert"


class DeliveryStatus(str, Enum):
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class WebhookEndpoint(Model):
    """A partner URL that hears some of a store's events, signed under its own secret."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    url = fields.CharField(max_length=2000)
    description = fields.CharField(max_length=200, default="")
    events: list[str] = fields.JSONField(default=list)
    secret_sealed = fields.TextField(description="AES-GCM, key derived from DANGOL_PII_KEY")
    secret_key_version = fields.IntField()
    secret_hint = fields.CharField(max_length=16, description="the last characters, to recognise")
    is_active = fields.BooleanField(default=True)
    consecutive_failures = fields.IntField(default=0)
    disabled_at = fields.DatetimeField(null=True)
    disabled_reason = fields.CharField(max_length=200, null=True)
    last_success_at = fields.DatetimeField(null=True)
    last_failure_at = fields.DatetimeField(null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_by_id: int | None
    created_by_api_key_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_endpoint"
        indexes = (("store", "is_active"),)


class WebhookDelivery(Model):
    """One attempt to deliver one event to one endpoint, as it went."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    endpoint: fields.ForeignKeyRelation[WebhookEndpoint] = fields.ForeignKeyField(
        "models.WebhookEndpoint", related_name=False, on_delete=fields.CASCADE
    )
    endpoint_id: int
    message: fields.ForeignKeyRelation[OutboxMessage] = fields.ForeignKeyField(
        "models.OutboxMessage", related_name=False, on_delete=fields.RESTRICT
    )
    message_id: int
    event_id = fields.CharField(max_length=36)
    event_type = fields.CharField(max_length=40)
    attempt = fields.IntField()
    status = fields.CharEnumField(DeliveryStatus, max_length=10)
    response_code = fields.IntField(null=True)
    response_body = fields.CharField(max_length=300, null=True)
    error = fields.CharField(max_length=300, null=True)
    duration_ms = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (("endpoint", "id"),)
