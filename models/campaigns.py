"""The cup-holder campaign (G1): supplies the platform discounts by a store's campaign grade."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.stores import Store


class CupHolderCampaign(Model):
    """Created by admins: a supply item, its unit supply price before discount, and a period."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=100)
    supply_item = fields.CharField(max_length=100)
    unit = fields.CharField(max_length=20, default="개")
    unit_price = fields.BigIntField(description="won per unit before the grade discount")
    incentive_per_unit = fields.BigIntField(
        default=0, description="won per unit used that a Platinum store earns"
    )
    starts_on = fields.DateField()
    ends_on = fields.DateField(description="the last day of the campaign, inclusive")
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "cup_holder_campaign"
        indexes = (("ends_on", "starts_on"),)


class CampaignEnrollment(Model):
    """A store that joined a campaign."""

    id = fields.IntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[CupHolderCampaign] = fields.ForeignKeyField(
        "models.CupHolderCampaign", related_name=False, on_delete=fields.RESTRICT
    )
    campaign_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    joined_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    joined_by_id: int | None
    joined_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "campaign_enrollment"
        unique_together = (("campaign", "store"),)


class CupHolderUsage(Model):
    """One usage entry of a store, priced when recorded; append-only (a correction is a new entry).

    ``unit_cost`` and ``incentive_per_unit`` are those of the store's grade at the time,
    so a later change of grade or price never rewrites what was recorded.
    """

    id = fields.BigIntField(primary_key=True)
    campaign: fields.ForeignKeyRelation[CupHolderCampaign] = fields.ForeignKeyField(
        "models.CupHolderCampaign", related_name=False, on_delete=fields.RESTRICT
    )
    campaign_id: int
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.RESTRICT
    )
    store_id: int
    units = fields.IntField(description="negative in a correction")
    grade = fields.CharField(max_length=20, description="the store's campaign grade then")
    unit_price = fields.BigIntField(description="the campaign's price before discount then")
    unit_cost = fields.BigIntField(description="won per unit the store pays at that grade")
    incentive_per_unit = fields.BigIntField(description="won per unit earned at that grade")
    cost = fields.BigIntField(description="units x unit_cost")
    incentive = fields.BigIntField(description="units x incentive_per_unit")
    note = fields.CharField(max_length=200, default="")
    corrects_id = fields.BigIntField(null=True, description="the entry this one corrects")
    recorded_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    recorded_by_id: int | None
    recorded_by_api_key_id = fields.IntField(null=True)
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "cup_holder_usage"
        indexes = (("store", "recorded_at", "id"),)
