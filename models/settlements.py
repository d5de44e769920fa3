"""Settlements (H1-H4): monthly statements, their lines, adjustments and disputes.

A statement and its lines are immutable once issued (triggers refuse UPDATE and
DELETE); a correction is a ``SettlementAdjustment`` that the next statement carries
as a line.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.campaigns import CupHolderCampaign
    from models.stores import Store


class SettlementLineKind(str, Enum):
    CUP_HOLDER = "CUP_HOLDER"
    SUBSCRIPTION = "SUBSCRIPTION"
    INCENTIVE = "INCENTIVE"
    ADJUSTMENT = "ADJUSTMENT"


class DisputeStatus(str, Enum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"


class Settlement(Model):
    """A store's statement for one month of its time zone; ``net_amount`` > 0: the store pays."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    period_start = fields.DateField()
    period_end = fields.DateField(description="the last day of the period, inclusive")
    starts_at = fields.DatetimeField()
    ends_at = fields.DatetimeField(description="exclusive")
    plan = fields.CharField(max_length=20)
    cup_holder_cost = fields.BigIntField()
    subscription_fee = fields.BigIntField()
    incentives = fields.BigIntField()
    adjustments = fields.BigIntField()
    net_amount = fields.BigIntField()
    tax_invoice_ref = fields.CharField(max_length=40, unique=True)
    issued_at = fields.DatetimeField()
    processing_date = fields.DateField()
    payout_date = fields.DateField()
    dispute_closes_at = fields.DatetimeField()

    class Meta:
        table = "settlement"
        unique_together = (("store", "period_start"),)


class SettlementLine(Model):
    id = fields.IntField(primary_key=True)
    settlement: fields.ForeignKeyRelation[Settlement] = fields.ForeignKeyField(
        "models.Settlement", related_name=False, on_delete=fields.RESTRICT
    )
    settlement_id: int
    position = fields.IntField()
    kind = fields.CharEnumField(SettlementLineKind, max_length=20)
    description = fields.CharField(max_length=300)
    campaign: fields.ForeignKeyNullableRelation[CupHolderCampaign] = fields.ForeignKeyField(
        "models.CupHolderCampaign", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    campaign_id: int | None
    quantity = fields.IntField(default=0)
    unit_amount = fields.BigIntField(default=0)
    amount = fields.BigIntField(description="> 0: the store pays; < 0: the platform pays")
    adjustment_id = fields.IntField(null=True)

    class Meta:
        table = "settlement_line"
        indexes = (("settlement", "position"),)


class SettlementAdjustment(Model):
    """A correction carried by the store's next statement (``settlement`` is set when it is)."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    amount = fields.BigIntField(description="> 0: the store pays more; < 0: a credit")
    reason = fields.CharField(max_length=300)
    corrects: fields.ForeignKeyNullableRelation[Settlement] = fields.ForeignKeyField(
        "models.Settlement", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    corrects_id: int | None
    settlement: fields.ForeignKeyNullableRelation[Settlement] = fields.ForeignKeyField(
        "models.Settlement", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    settlement_id: int | None
    created_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    created_by_id: int | None
    created_at = fields.DatetimeField()

    class Meta:
        table = "settlement_adjustment"
        indexes = (("store", "settlement", "created_at"),)


class SettlementDispute(Model):
    """An owner's objection to a statement; ``open_settlement_id`` keeps one open per statement."""

    id = fields.IntField(primary_key=True)
    settlement: fields.ForeignKeyRelation[Settlement] = fields.ForeignKeyField(
        "models.Settlement", related_name=False, on_delete=fields.RESTRICT
    )
    settlement_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    reason = fields.CharField(max_length=1000)
    status = fields.CharEnumField(DisputeStatus, max_length=20, default=DisputeStatus.OPEN)
    open_settlement_id = fields.IntField(
        null=True, unique=True, description="the statement while the dispute is open, else null"
    )
    opened_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    opened_by_id: int | None
    opened_at = fields.DatetimeField()
    resolved_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    resolved_by_id: int | None
    resolved_at = fields.DatetimeField(null=True)
    note = fields.CharField(max_length=1000, default="")
    adjustment: fields.ForeignKeyNullableRelation[SettlementAdjustment] = fields.ForeignKeyField(
        "models.SettlementAdjustment", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    adjustment_id: int | None

    class Meta:
        table = "settlement_dispute"
        indexes = (("settlement", "id"),)
