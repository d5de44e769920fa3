"""Settlements (H1-H4): monthly statements, the forecast, disputes and evidence files."""

from resolvers.settlements.disputes import (
    DisputeAlreadyOpen,
    DisputeNotOpen,
    DisputeOutcome,
    DisputeWindowClosed,
    dispute_settlement,
    resolve_dispute,
)
from resolvers.settlements.evidence import EvidenceFile, settlement_csv, settlement_pdf
from resolvers.settlements.periods import (
    DISPUTE_DAYS,
    Period,
    current_month,
    day_starts_at,
    month_of,
    previous_month,
)
from resolvers.settlements.queries import disputes_of, lines_of, settlements_page
from resolvers.settlements.statements import (
    SUBSCRIPTION_FEE,
    Draft,
    DraftLine,
    close_months,
    draft,
    expected,
    issue,
)

__all__ = [
    "DISPUTE_DAYS",
    "SUBSCRIPTION_FEE",
    "DisputeAlreadyOpen",
    "DisputeNotOpen",
    "DisputeOutcome",
    "DisputeWindowClosed",
    "Draft",
    "DraftLine",
    "EvidenceFile",
    "Period",
    "close_months",
    "current_month",
    "day_starts_at",
    "dispute_settlement",
    "disputes_of",
    "draft",
    "expected",
    "issue",
    "lines_of",
    "month_of",
    "previous_month",
    "resolve_dispute",
    "settlement_csv",
    "settlement_pdf",
    "settlements_page",
]
