from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account


class StoreCategory(str, Enum):
    CAFE = "CAFE"
    RESTAURANT = "RESTAURANT"
    RETAIL = "RETAIL"


class Plan(str, Enum):
    BASIC = "BASIC"
    PLUS = "PLUS"
    PREMIUM = "PREMIUM"

    def includes(self, other: Plan) -> bool:
        """Whether this plan includes what ``other`` does (plans are ordered)."""
        order = list(Plan)
        return order.index(self) >= order.index(other)


class CampaignGrade(str, Enum):
    BRONZE = "BRONZE"
    SILVER = "SILVER"
    GOLD = "GOLD"
    PLATINUM = "PLATINUM"


class StoreRole(str, Enum):
    OWNER = "owner"
    MANAGER = "manager"
    STAFF = "staff"


class Store(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    address = fields.CharField(max_length=255, default="")
    phone = fields.CharField(max_length=30, default="")
    category = fields.CharEnumField(StoreCategory, max_length=20)
    commercial_area = fields.CharField(max_length=100, db_index=True)
    plan = fields.CharEnumField(Plan, max_length=20, default=Plan.BASIC)
    campaign_grade = fields.CharEnumField(
        CampaignGrade, max_length=20, default=CampaignGrade.BRONZE
    )
    time_zone = fields.CharField(max_length=64, default="Asia/Seoul")
    business_hours: list[dict[str, Any]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "store"


class StoresVersion(Model):
    """How many times any store's row has changed.

    A single row, counted by a database trigger on every insert, update and delete of a store
    (the migration stores_version holds it), so a process may keep the store rows it read while
    this stays the same. No row: no store has been written since the migration."""

    id = fields.IntField(primary_key=True)
    version: int = fields.BigIntField(default=0)

    class Meta:
        table = "stores_version"


class Membership(Model):
    """An account's place on a store's staff. Its role lives in the access policy."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="memberships", on_delete=fields.CASCADE
    )
    store_id: int
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="memberships", on_delete=fields.CASCADE
    )
    account_id: int
    is_active = fields.BooleanField(default=True)
    invited_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    deactivated_at = fields.DatetimeField(null=True)

    class Meta:
        table = "membership"
        unique_together = (("store", "account"),)


class InvitationStatus(str, Enum):
    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    REPLACED = "REPLACED"
    WITHDRAWN = "WITHDRAWN"


class StaffInvitation(Model):
    """An invitation to a store's staff, for an email; only its holder accepts it.

    An account with that email accepts it signed in; without one, whoever has the code
    creates the account with it. The code is kept as its SHA-256 digest.
    """

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name="staff_invitations", on_delete=fields.CASCADE
    )
    store_id: int
    email = fields.CharField(max_length=254, db_index=True)
    name = fields.CharField(max_length=100)
    role = fields.CharField(max_length=20)
    status = fields.CharEnumField(InvitationStatus, max_length=20, default=InvitationStatus.PENDING)
    code_digest = fields.CharField(max_length=64, unique=True)
    invited_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    invited_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    answered_at = fields.DatetimeField(null=True)

    class Meta:
        table = "staff_invitation"


class StoreTerms(Model):
    """How many times a store's loyalty terms have changed.

    The terms: its points programme, stamp cards, tiers, tier programme and promotions. A
    database trigger on every write to those tables counts it (the migration terms_version holds
    it), so a process may keep the terms it read while this stays the same. No row: the terms
    have not changed since the migration."""

    id = fields.IntField(primary_key=True)
    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    version = fields.BigIntField(default=0)

    class Meta:
        table = "store_terms"
