"""Analytics rollups (I1-I7, K4): per-store figures per local day, kept current as orders move.

Every row is keyed by a store and a day in the store's time zone. The order flow
adds and takes away what each order (and each customer's sequence of visits)
contributes, in the transaction that moves the order; ``resolvers.analytics.rollups``
rebuilds them from the raw rows and a test compares the two exactly. The area
benchmark reads only ``AnalyticsDay`` rows of the area's stores, never their orders.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.stores import Store


class AnalyticsDay(Model):
    """One store's figures for one local day."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    day = fields.DateField(description="local date in the store's time zone")
    orders = fields.IntField(
        default=0, description="completed orders, fully refunded ones left out"
    )
    sales = fields.BigIntField(default=0, description="their totals net of refunds, in won")
    refunded = fields.BigIntField(default=0, description="refunded of the day's orders, in won")
    visits = fields.IntField(default=0, description="the orders above that name a customer")
    first_visits = fields.IntField(default=0)
    converted = fields.IntField(
        default=0, description="first visits of the day followed by another within 30 days"
    )
    cancelled = fields.IntField(default=0, description="orders cancelled on the day")
    # Customers whose first (second) visit of the calendar day / week / month was on this day:
    # summed over a whole or to-date day, week or month they count the customers who visited
    # (and those who visited at least twice) in it.
    day_visitors = fields.IntField(default=0)
    day_revisitors = fields.IntField(default=0)
    week_visitors = fields.IntField(default=0)
    week_revisitors = fields.IntField(default=0)
    month_visitors = fields.IntField(default=0)
    month_revisitors = fields.IntField(default=0)
    # From the points ledger, rolled up by a job once the day is over (see AnalyticsProgress).
    points_issued = fields.BigIntField(default=0)
    points_used = fields.BigIntField(default=0)

    class Meta:
        table = "analytics_day"
        unique_together = (("store", "day"),)


class SliceDimension(str, Enum):
    HOUR = "HOUR"  # key: local hour 0-23
    STAFF = "STAFF"  # key: the account that completed the order (0: none)
    TIER = "TIER"  # key: the customer's tier when the order completed (0: none)
    PRODUCT = "PRODUCT"  # key: product id
    FIRST_PRODUCT = "FIRST_PRODUCT"  # key: product id, in first-visit orders
    FIRST_AMOUNT = "FIRST_AMOUNT"  # key: the floor of the amount band of a first-visit order


class AnalyticsSlice(Model):
    """One store's figures for one local day, broken down by one dimension."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    day = fields.DateField()
    dimension = fields.CharEnumField(SliceDimension, max_length=20)
    key = fields.BigIntField()
    orders = fields.IntField(default=0)
    sales = fields.BigIntField(default=0)
    quantity = fields.IntField(default=0)
    first_visits = fields.IntField(default=0)
    converted = fields.IntField(default=0)

    class Meta:
        table = "analytics_slice"
        unique_together = (("store", "dimension", "day", "key"),)


class AnalyticsPair(Model):
    """First-visit orders of one local day holding both products (``first`` < ``second``)."""

    id = fields.BigIntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    day = fields.DateField()
    first_product_id = fields.IntField()
    second_product_id = fields.IntField()
    orders = fields.IntField(default=0)

    class Meta:
        table = "analytics_pair"
        unique_together = (("store", "day", "first_product_id", "second_product_id"),)


class AnalyticsProgress(Model):
    """How far the jobs got for a store: its points ledger is rolled up through ``ledger_day``;
    its insights were last computed at ``insights_at``."""

    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name=False, on_delete=fields.CASCADE, primary_key=True
    )
    store_id: int
    ledger_day = fields.DateField(null=True)
    insights_at = fields.DatetimeField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "analytics_progress"


class AnalyticsInsight(Model):
    """A finding of the insights job, kept until the next run replaces the store's findings."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    key = fields.CharField(max_length=100, description="stable: the same finding keeps its key")
    kind = fields.CharField(max_length=40)
    score = fields.FloatField(description="how strong the finding is; higher first")
    evidence: dict[str, Any] = fields.JSONField(default=dict)
    audience: list[int] = fields.JSONField(default=list)
    computed_at = fields.DatetimeField()

    class Meta:
        table = "analytics_insight"
        unique_together = (("store", "key"),)


class AnalyticsAlertSent(Model):
    """One KPI alert per store, KPI and week: the job never raises the same drop twice."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    kpi = fields.CharField(max_length=40)
    week_start = fields.DateField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "analytics_alert_sent"
        unique_together = (("store", "kpi", "week_start"),)
