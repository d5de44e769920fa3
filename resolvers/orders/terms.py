"""A store's loyalty terms as a completion applies them: the points programme, the active stamp
card, the tier ladder and its programme, the tier promotions running.

Read before the transaction that completes the order, so that on SQLite the one write lock is
held for the writes only; a change of terms racing a completion is as if it came just after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from models.points import PointProgram
from models.rewards import StampCard
from models.tiers import Tier, TierProgram
from resolvers import stamps
from resolvers.analytics import rollups as analytics
from resolvers.points.program import program_of as point_program_of
from resolvers.tiers import ladder, promotions


@dataclass(frozen=True)
class Terms:
    program: PointProgram
    card: StampCard | None
    tiers: list[Tier]
    tier_program: TierProgram
    running: list[tuple[int, int]]
    """(min_rank, points_multiplier_bp) of each promotion running at the completion."""
    zone: ZoneInfo
    """The store's time zone, which places the completion in the analytics rollups."""

    def multiplier_for(self, rank: int) -> int:
        found = (multiplier for min_rank, multiplier in self.running if min_rank <= rank)
        return max(found, default=promotions.NO_MULTIPLIER)

    def tier(self, tier_id: int | None) -> Tier | None:
        return next((tier for tier in self.tiers if tier.id == tier_id), None)


async def terms_of(store_id: int, at: datetime) -> Terms:
    """Small reads of configuration tables (four without tiers), none growing with the
    store's history."""
    tiers = await ladder.tiers_of(store_id)
    return Terms(
        program=await point_program_of(store_id),
        card=await stamps.active_card_of(store_id),
        tiers=tiers,
        tier_program=await ladder.program_of(store_id) if tiers else TierProgram(store_id=store_id),
        running=await promotions.running(store_id, at) if tiers else [],
        zone=await analytics.zone_for(store_id),
    )
