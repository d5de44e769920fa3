"""The typed errors of messages, each declared once."""

from __future__ import annotations

from core.errors import UserError
from models.messages import CampaignStatus


class UnknownTemplateVariable(UserError):
    code = "UNKNOWN_TEMPLATE_VARIABLE"
    variables: list[str]
    known: list[str]


class TemplateVariableUnavailable(UserError):
    """The template names variables that this use of it (a campaign, an automation) cannot fill."""

    code = "TEMPLATE_VARIABLE_UNAVAILABLE"
    variables: list[str]


class MessageQuotaExceeded(UserError):
    code = "MESSAGE_QUOTA_EXCEEDED"
    remaining: int | None
    requested: int | None
    monthly_limit: int | None


class CampaignNotCancellable(UserError):
    code = "CAMPAIGN_NOT_CANCELLABLE"
    status: CampaignStatus | None
