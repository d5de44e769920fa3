from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account


class NotificationKind(str, Enum):
    NEW_ORDER = "NEW_ORDER"
    STOCK_WARNING = "STOCK_WARNING"
    NEGATIVE_FEEDBACK = "NEGATIVE_FEEDBACK"
    DORMANT_CUSTOMERS = "DORMANT_CUSTOMERS"
    REWARD_APPROVAL = "REWARD_APPROVAL"
    SETTLEMENT_ISSUED = "SETTLEMENT_ISSUED"
    CAMPAIGN_RESULT = "CAMPAIGN_RESULT"
    KPI_ALERT = "KPI_ALERT"
    WEEKLY_REPORT = "WEEKLY_REPORT"
    WEBHOOK_DISABLED = "WEBHOOK_DISABLED"
    LOOKUP_MISSES = "LOOKUP_MISSES"


MANDATORY_KINDS = frozenset(
    {NotificationKind.NEW_ORDER, NotificationKind.STOCK_WARNING, NotificationKind.LOOKUP_MISSES}
)


class NotificationPreference(Model):
    """An account's choice for one kind of alert; a kind without a row is on."""

    id = fields.IntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="notification_preferences", on_delete=fields.CASCADE
    )
    account_id: int
    kind = fields.CharEnumField(NotificationKind, max_length=40)
    enabled = fields.BooleanField(default=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "notification_preference"
        unique_together = (("account", "kind"),)
