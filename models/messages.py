"""Messages to customers (G3–G6): templates, campaigns, automations, deliveries and the quota."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.coupons import CouponTemplate
    from models.customers import Customer
    from models.stores import Store


class MessageChannel(str, Enum):
    ALIMTALK = "ALIMTALK"
    SMS = "SMS"


class CampaignStatus(str, Enum):
    SCHEDULED = "SCHEDULED"
    SENDING = "SENDING"
    SENT = "SENT"
    CANCELLED = "CANCELLED"


class DeliveryStatus(str, Enum):
    SCHEDULED = "SCHEDULED"
    QUEUED = "QUEUED"
    SENT = "SENT"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    HELD_OUT = "HELD_OUT"


class AutomationKind(str, Enum):
    DORMANT_WINBACK = "DORMANT_WINBACK"
    TIER_CHANGE = "TIER_CHANGE"
    POINTS_TRANSFER = "POINTS_TRANSFER"
    ORDER_READY = "ORDER_READY"
    INSIGHT_AUDIENCE = "INSIGHT_AUDIENCE"


class MessageTemplate(Model):
    """A store's message text with ``#{variable}`` placeholders, checked when it is created."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    name = fields.CharField(max_length=100)
    body = fields.TextField()
    variables: list[str] = fields.JSONField(default=list)
    kakao_template_code = fields.CharField(max_length=60, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "message_template"
        indexes = (("store", "id"),)


class MessageCampaign(Model):
    """One send of a template to an audience, now or at ``send_at``; its recipients are
    chosen (and the quota reserved) when it is created."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    template: fields.ForeignKeyRelation[MessageTemplate] = fields.ForeignKeyField(
        "models.MessageTemplate", related_name=False, on_delete=fields.RESTRICT
    )
    template_id: int
    coupon_template: fields.ForeignKeyNullableRelation[CouponTemplate] = fields.ForeignKeyField(
        "models.CouponTemplate", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    coupon_template_id: int | None
    name = fields.CharField(max_length=100)
    channel = fields.CharEnumField(MessageChannel, max_length=20)
    audience: dict[str, Any] = fields.JSONField(default=dict)
    status = fields.CharEnumField(CampaignStatus, max_length=20, default=CampaignStatus.SCHEDULED)
    send_at = fields.DatetimeField()
    quota_month = fields.CharField(max_length=7, description="YYYY-MM in the store's time zone")
    recipient_count = fields.IntField(default=0, description="customers sent to")
    holdout_count = fields.IntField(default=0, description="customers held out, not sent to")
    holdout_percent = fields.IntField(default=0)
    attribution_days = fields.IntField(default=7)
    created_by_account_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    dispatched_at = fields.DatetimeField(null=True)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "message_campaign"
        indexes = (("store", "id"), ("status", "send_at"))


class MessageDelivery(Model):
    """One message to one customer (or one held-out customer of a campaign) and its fate."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.RESTRICT
    )
    customer_id: int
    campaign: fields.ForeignKeyNullableRelation[MessageCampaign] = fields.ForeignKeyField(
        "models.MessageCampaign", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    automation = fields.CharEnumField(AutomationKind, max_length=30, null=True)
    template: fields.ForeignKeyRelation[MessageTemplate] = fields.ForeignKeyField(
        "models.MessageTemplate", related_name=False, on_delete=fields.RESTRICT
    )
    template_id: int
    channel = fields.CharEnumField(MessageChannel, max_length=20)
    marketing = fields.BooleanField(description="needs consent, counts against the quota")
    status = fields.CharEnumField(DeliveryStatus, max_length=20)
    context: dict[str, Any] = fields.JSONField(
        default=dict, description="the event's values for the template (never another's PII)"
    )
    dedupe_key = fields.CharField(max_length=100, null=True, unique=True)
    attempts = fields.IntField(default=0)
    provider_message_id = fields.CharField(max_length=100, null=True)
    failure_reason = fields.CharField(max_length=300, null=True)
    scheduled_at = fields.DatetimeField(description="when it goes out (or would have)")
    created_at = fields.DatetimeField(auto_now_add=True)
    sent_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    failed_at = fields.DatetimeField(null=True)

    class Meta:
        table = "message_delivery"
        indexes = (
            ("campaign", "id"),
            ("campaign", "status"),
            ("customer", "scheduled_at"),
            ("status", "sent_at"),
        )


class MessageQuota(Model):
    """Marketing messages a store has sent (or reserved) in one month of its time zone."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    month = fields.CharField(max_length=7, description="YYYY-MM")
    used = fields.IntField(default=0)

    class Meta:
        table = "message_quota"
        unique_together = (("store", "month"),)


class Automation(Model):
    """A message sent on an event (or, for periodic kinds, on a schedule), switched per store."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    kind = fields.CharEnumField(AutomationKind, max_length=30)
    enabled = fields.BooleanField(default=False)
    template: fields.ForeignKeyNullableRelation[MessageTemplate] = fields.ForeignKeyField(
        "models.MessageTemplate", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    template_id: int | None
    channel = fields.CharEnumField(MessageChannel, max_length=20, default=MessageChannel.ALIMTALK)
    insight_key = fields.CharField(max_length=100, null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "message_automation"
        unique_together = (("store", "kind"),)
