from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.customers import Customer
    from models.orders import Order
    from models.stores import Store


EARNING_DAYS = 15


class Rounding(str, Enum):
    FLOOR = "FLOOR"
    ROUND = "ROUND"
    CEIL = "CEIL"


class PointKind(str, Enum):
    EARN = "EARN"
    REDEEM = "REDEEM"
    REDEEM_RETURN = "REDEEM_RETURN"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    ADJUST = "ADJUST"
    EXPIRE = "EXPIRE"
    REFUND_REVERSAL = "REFUND_REVERSAL"


class PointSource(str, Enum):
    PURCHASE = "PURCHASE"
    SIGNUP = "SIGNUP"
    REVIEW = "REVIEW"
    REFERRAL = "REFERRAL"
    EVENT = "EVENT"
    MANUAL = "MANUAL"
    TRANSFER = "TRANSFER"
    REWARD = "REWARD"
    EXPIRY = "EXPIRY"


class PointProgram(Model):
    """A store's rules for points; the tier's earn rate, where set, replaces ``earn_rate_bp``."""

    id = fields.IntField(primary_key=True)
    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name="point_program", on_delete=fields.RESTRICT
    )
    store_id: int
    earn_rate_bp = fields.IntField(default=100, description="basis points of the amount paid")
    rounding = fields.CharEnumField(Rounding, max_length=10, default=Rounding.FLOOR)
    minimum_order: int = fields.BigIntField(default=0)
    signup_points = fields.IntField(default=0)
    review_points = fields.IntField(default=0)
    referral_points = fields.IntField(default=0)
    expiry_months = fields.IntField(null=True, description="null: points never expire")
    expiry_notice_days = fields.IntField(default=30)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "point_program"


class PointBalance(Model):
    """A customer's balance: changed only by conditional UPDATEs, always the sum of the ledger."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name="point_balance", on_delete=fields.RESTRICT
    )
    customer_id: int
    balance: int = fields.BigIntField(default=0)
    owed: int = fields.BigIntField(
        default=0,
        description="points taken back (a refund) that the balance could not cover; "
        "settled by the next earnings; always the sum of the entries' owed",
    )
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "point_balance"
        indexes = (("store", "balance", "customer"),)


class PointEntry(Model):
    """One line of the append-only ledger, with the balance after it.

    Earned lots keep ``remaining``: what is still unspent of them, spent and
    expired oldest first. A database trigger refuses every other change and every delete.
    """

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name="point_entries", on_delete=fields.RESTRICT
    )
    customer_id: int
    kind = fields.CharEnumField(PointKind, max_length=20)
    source = fields.CharEnumField(PointSource, max_length=20)
    amount: int = fields.BigIntField(description="signed: positive adds, negative takes away")
    balance_after: int = fields.BigIntField()
    owed: int = fields.BigIntField(
        default=0,
        description="signed change of what the customer owes: a reversal the balance could not "
        "cover adds, a settlement takes away",
    )
    remaining: int = fields.BigIntField(default=0, description="unspent part of an earned lot")
    expires_at = fields.DatetimeField(null=True)
    expiry_notified_at = fields.DatetimeField(null=True, description="when its holder was warned")
    reference_type = fields.CharField(max_length=40, null=True)
    reference_id = fields.CharField(max_length=64, null=True)
    order: fields.ForeignKeyNullableRelation[Order] = fields.ForeignKeyField(
        "models.Order", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    order_id: int | None
    reason = fields.CharField(max_length=255, null=True)
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "point_entry"
        indexes = (
            ("customer", "id"),
            ("store", "created_at"),
            ("customer", "remaining", "expires_at"),
            ("order", "kind"),
            ("customer", "kind", "created_at", "amount"),
        )


class PointRollup(Model):
    """The ledger summed per store, UTC hour or day and what the dashboard groups on.

    Written only by a database trigger on every insert into ``point_entry`` (the migration
    dashboard_rollup holds it), so every writer keeps it exact; entries never change after.
    """

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    hours = fields.SmallIntField(description="1: an hour, 24: a day (UTC)")
    bucket = fields.IntField(description="the span's start, in hours or days since 1970 (UTC)")
    kind = fields.CharEnumField(PointKind, max_length=20)
    source = fields.CharEnumField(PointSource, max_length=20)
    positive = fields.BooleanField(description="entries whose amount is > 0")
    amount: int = fields.BigIntField()
    entries = fields.IntField()

    class Meta:
        table = "point_rollup"
        unique_together = (("store", "hours", "bucket", "kind", "source", "positive"),)


class PointEarning(Model):
    """A customer's EARN entries summed per span of EARNING_DAYS UTC days.

    Written by the same trigger as ``PointRollup``: the dashboard finds its top earners from
    it without grouping every entry of the period.
    """

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.RESTRICT
    )
    customer_id: int
    bucket = fields.IntField(
        description="UTC days since 1970 divided by EARNING_DAYS, rounded down"
    )
    earned: int = fields.BigIntField()

    class Meta:
        table = "point_earning"
        unique_together = (("customer", "bucket"),)
        indexes = (("store", "bucket", "earned", "customer"),)
