"""Points (D1-D8): the programme, the append-only ledger, earning, moving, expiring, reading."""

from resolvers.points.earning import award, award_review, earn_for_order, reverse_for_refund
from resolvers.points.expiry import expire_points, warn_expiring
from resolvers.points.operations import adjust_points, transfer_points
from resolvers.points.program import ProgramChanges, program_of, update_program
from resolvers.points.queries import Dashboard, balances, dashboard, history_page

__all__ = [
    "Dashboard",
    "ProgramChanges",
    "adjust_points",
    "award",
    "award_review",
    "balances",
    "dashboard",
    "earn_for_order",
    "expire_points",
    "history_page",
    "program_of",
    "reverse_for_refund",
    "transfer_points",
    "update_program",
    "warn_expiring",
]
