"""Membership tiers (F1-F5): the ladder, where each customer stands, promotions."""

from resolvers.tiers.ladder import (
    TierFields,
    create_tier,
    delete_tier,
    program_of,
    tiers_of,
    update_program,
    update_tier,
)
from resolvers.tiers.promotions import create_promotion, earn_terms, promotions_of
from resolvers.tiers.standing import (
    current_tier,
    current_tiers,
    evaluate_tiers,
    history_of,
    reevaluate,
)

__all__ = [
    "TierFields",
    "create_promotion",
    "create_tier",
    "current_tier",
    "current_tiers",
    "delete_tier",
    "earn_terms",
    "evaluate_tiers",
    "history_of",
    "program_of",
    "promotions_of",
    "reevaluate",
    "tiers_of",
    "update_program",
    "update_tier",
]
