"""A store's loyalty terms as a completion applies them: the points programme, the active stamp
card, the tier ladder and its programme, the tier promotions running.

Read before the transaction that completes the order, so that on SQLite the one write lock is
held for the writes only; a change of terms racing a completion is as if it came just after it.
Each process keeps the terms it read while the store's terms version (``StoreTerms``, counted by
a trigger on every write to those tables) stays the same: a completion then reads one row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from zoneinfo import ZoneInfo

from core.context import Context
from core.database import connection, dialect, placeholder
from models.points import PointProgram
from models.rewards import StampCard
from models.tiers import Tier, TierProgram, TierPromotion
from resolvers import stamps
from resolvers.analytics.calendar import zone_of
from resolvers.points.program import program_of as point_program_of
from resolvers.tiers import ladder, promotions

DEFAULT_ZONE = "Asia/Seoul"


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


@dataclass(frozen=True)
class _Kept:
    """The terms as read at one version, whatever the moment: promotions with their periods.
    Shared by the requests of a process, so nothing may change them."""

    program: PointProgram
    card: StampCard | None
    tiers: list[Tier]
    tier_program: TierProgram
    promotions: list[tuple[int, int, datetime, datetime]]

    def at(self, moment: datetime, zone: ZoneInfo) -> Terms:
        return Terms(
            program=self.program,
            card=self.card,
            tiers=self.tiers,
            tier_program=self.tier_program,
            running=[
                (rank, multiplier)
                for rank, multiplier, starts, ends in self.promotions
                if starts <= moment < ends
            ],
            zone=zone,
        )


async def terms_of(ctx: Context, store_id: int, at: datetime) -> Terms:
    """One row (the terms version and the time zone) while this process holds the version's
    terms; else also the configuration tables, none growing with the store's history."""
    rows = await connection().execute_query_dict(_version_sql(dialect()), [store_id])
    version = int(rows[0]["version"] or 0) if rows else 0
    zone = zone_of((rows[0]["time_zone"] if rows else None) or DEFAULT_ZONE)
    kept = ctx.services.terms.get(store_id, version)
    if kept is None:
        kept = await _read(store_id)
        ctx.services.terms.put(store_id, version, kept)
    return kept.at(at, zone)


@cache
def _version_sql(dialect: str) -> str:
    mark = placeholder(dialect)
    return (
        'SELECT s."time_zone", t."version" FROM "store" s '
        f'LEFT JOIN "store_terms" t ON t."store_id" = s."id" WHERE s."id" = {mark}'
    )


async def _read(store_id: int) -> _Kept:
    tiers = await ladder.tiers_of(store_id)
    found: list[tuple[int, int, datetime, datetime]] = []
    if tiers:
        found = await TierPromotion.filter(store_id=store_id).values_list(
            "min_rank", "points_multiplier_bp", "starts_at", "ends_at"
        )
    return _Kept(
        program=await point_program_of(store_id),
        card=await stamps.active_card_of(store_id),
        tiers=tiers,
        tier_program=await ladder.program_of(store_id) if tiers else TierProgram(store_id=store_id),
        promotions=[
            (int(rank), int(multiplier), starts, ends) for rank, multiplier, starts, ends in found
        ],
    )
