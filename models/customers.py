from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.stores import Store


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


class AgeBand(str, Enum):
    TEENS = "TEENS"
    TWENTIES = "TWENTIES"
    THIRTIES = "THIRTIES"
    FORTIES = "FORTIES"
    FIFTIES = "FIFTIES"
    SIXTIES_PLUS = "SIXTIES_PLUS"


class Customer(Model):
    """A customer of one store. Name and phone are stored only encrypted (see resolvers/pii)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="customers", on_delete=fields.RESTRICT
    )
    store_id: int
    name_encrypted = fields.TextField()
    phone_encrypted = fields.TextField()
    phone_index = fields.CharField(max_length=64, description="keyed blind index of the phone")
    phone_tail_index = fields.CharField(
        max_length=64, default="", description="keyed blind index of the phone's last four digits"
    )
    name_index = fields.CharField(
        max_length=64, default="", description="keyed blind index of the name"
    )
    key_version = fields.IntField(default=1)
    birth_year = fields.IntField(null=True)
    age_band = fields.CharEnumField(AgeBand, max_length=20, null=True)
    gender = fields.CharEnumField(Gender, max_length=20, default=Gender.UNDISCLOSED)
    marketing_consent = fields.BooleanField(default=False)
    source_channel = fields.CharEnumField(
        SourceChannel, max_length=30, default=SourceChannel.WALK_IN
    )
    tags: list[str] = fields.JSONField(default=list)
    # Kept current by the transaction that completes (or refunds) an order.
    visit_count = fields.IntField(default=0)
    total_paid: int = fields.BigIntField(default=0)
    first_visit_at = fields.DatetimeField(null=True)
    last_visit_at = fields.DatetimeField(null=True)
    # Kept current by the loyalty engine: stamps and coupons redeemed.
    reward_uses = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer"
        unique_together = (("store", "phone_index"),)
        indexes = (
            ("store", "visit_count", "id", "last_visit_at"),
            ("store", "total_paid", "id"),
            ("store", "last_visit_at", "id"),
            ("store", "phone_tail_index"),
            ("store", "first_visit_at", "id"),
            ("store", "name_index"),
            ("store", "id"),
        )


class CustomerSettings(Model):
    """A store's segment thresholds; a store without a row uses the defaults."""

    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name="customer_settings", on_delete=fields.CASCADE
    )
    store_id: int
    new_customer_days = fields.IntField(default=30)
    dormant_days = fields.IntField(default=30)
    regular_min_visits = fields.IntField(default=10)
    regular_min_total_paid: int = fields.BigIntField(default=300_000)
    high_frequency_visits_per_month = fields.IntField(default=4)
    reward_sensitive_min_uses = fields.IntField(default=3)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "customer_settings"


class FeedbackChannel(str, Enum):
    IN_STORE = "IN_STORE"
    ONLINE_REVIEW = "ONLINE_REVIEW"
    APP = "APP"
    PHONE = "PHONE"
    SURVEY = "SURVEY"


class FeedbackCategory(str, Enum):
    TASTE = "TASTE"
    SERVICE = "SERVICE"
    PRICE = "PRICE"
    CLEANLINESS = "CLEANLINESS"
    WAITING_TIME = "WAITING_TIME"
    ATMOSPHERE = "ATMOSPHERE"
    OTHER = "OTHER"


class Feedback(Model):
    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="feedback", on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyNullableRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="feedback", null=True, on_delete=fields.RESTRICT
    )
    customer_id: int | None
    rating: int = fields.SmallIntField()
    comment = fields.TextField(default="")
    channel = fields.CharEnumField(FeedbackChannel, max_length=20)
    category = fields.CharEnumField(FeedbackCategory, max_length=20)
    created_by_account_id = fields.IntField(null=True)
    created_by_api_key_id = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "feedback"
        indexes = (("store", "id"),)


class StoreAlert(Model):
    """A notification kept for one recipient of one store (e.g. a negative feedback)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="alerts", on_delete=fields.CASCADE
    )
    store_id: int
    recipient: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="store_alerts", on_delete=fields.CASCADE
    )
    recipient_id: int
    kind = fields.CharField(max_length=40)
    payload: dict[str, Any] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField(auto_now_add=True)
    read_at = fields.DatetimeField(null=True)

    class Meta:
        table = "store_alert"
        indexes = (("recipient", "store", "id"),)


class CustomerTag(Model):
    """One tag of one customer: the index behind the tag filter.

    ``Customer.tags`` is the display copy.
    """

    id = fields.IntField(primary_key=True)
    store_id = fields.IntField()
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="tag_rows", on_delete=fields.CASCADE
    )
    customer_id: int
    tag = fields.CharField(max_length=40)

    class Meta:
        table = "customer_tag"
        unique_together = (("customer", "tag"),)
        indexes = (("store_id", "tag", "customer_id"),)
