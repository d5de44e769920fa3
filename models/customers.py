from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Gender(str, Enum):
    FEMALE = "FEMALE"
    MALE = "MALE"
    OTHER = "OTHER"
    UNDISCLOSED = "UNDISCLOSED"


class SourceChannel(str, Enum):
    WALK_IN = "WALK_IN"
    ONLINE_PROMOTION = "ONLINE_PROMOTION"
    OFFLINE_EVENT = "OFFLINE_EVENT"
    REFERRAL = "REFERRAL"
    IMPORT = "IMPORT"


class Customer(Model):
    """A customer of one store. Name and phone are stored only encrypted (see resolvers/pii)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Store", related_name="customers", on_delete=fields.RESTRICT
    )
    name_encrypted = fields.TextField()
    phone_encrypted = fields.TextField()
    phone_index = fields.CharField(max_length=64, description="keyed blind index of the phone")
    key_version = fields.IntField(default=1)
    birth_year = fields.IntField(null=True)
    gender = fields.CharEnumField(Gender, max_length=20, default=Gender.UNDISCLOSED)
    marketing_consent = fields.BooleanField(default=False)
    source_channel = fields.CharEnumField(SourceChannel, max_length=30, default=SourceChannel.WALK_IN)
    tags: list[str] = fields.JSONField(default=list)  # type: ignore[assignment]
    # Kept current by the transaction that completes (or refunds) an order.
    visit_count = fields.IntField(default=0)
    total_paid = fields.BigIntField(default=0)
    first_visit_at = fields.DatetimeField(null=True)
    last_visit_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"
        unique_together = (("store", "phone_index"),)
        indexes = (
            ("store", "visit_count", "id"),
            ("store", "total_paid", "id"),
            ("store", "last_visit_at", "id"),
        )
