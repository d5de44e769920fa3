"""Who a campaign or an automation reaches: a segment, a tier, a tag, an insight, or several
of them at once (each narrows the others), among the store's customers.

Segments, tags and tiers are the customer list's own filters (``resolvers.customers.listing``),
computed in SQL with the store's thresholds and time zone. Marketing messages reach only
customers who consented to them.

Insights (Premium) come from the analytics domain (``resolvers.analytics.insights.audience_of``)
through ``insight_source``, a function of (store id, insight key) answering customer ids; tests
put a source of their own in its place with ``use_insight_source``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any, Protocol

from tortoise.queryset import QuerySet

from core.context import Context
from core.errors import InvalidInput, NotFound
from models.customers import Customer
from models.tiers import Tier
from resolvers.analytics.insights import audience_of
from resolvers.customers.listing import CustomerFilter, filtered
from resolvers.customers.segments import Segment

MAX_INSIGHT_KEY = 100


class InsightAudience(Protocol):
    def __call__(self, store_id: int, insight_key: str) -> Awaitable[list[int]]: ...


insight_source: InsightAudience = audience_of


def use_insight_source(source: InsightAudience) -> InsightAudience:
    """Make ``source`` answer insight audiences; returns the one it replaces."""
    global insight_source
    previous, insight_source = insight_source, source
    return previous


@dataclass(frozen=True)
class Audience:
    segment: Segment | None = None
    tier_id: int | None = None
    tag: str | None = None
    insight_key: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "segment": self.segment.value if self.segment else None,
            "tier_id": self.tier_id,
            "tag": self.tag,
            "insight_key": self.insight_key,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Audience:
        segment = raw.get("segment")
        return cls(
            segment=Segment(segment) if segment else None,
            tier_id=raw.get("tier_id"),
            tag=raw.get("tag"),
            insight_key=raw.get("insight_key"),
        )


async def check(store_id: int, audience: Audience) -> Audience:
    """The audience with its tag trimmed; another store's tier is absent."""
    if audience.tier_id is not None and not await Tier.exists(
        id=audience.tier_id, store_id=store_id, is_deleted=False
    ):
        raise NotFound("No such tier.", field="audience.tier_id")
    key = audience.insight_key
    if key is not None and not 1 <= len(key.strip()) <= MAX_INSIGHT_KEY:
        raise InvalidInput(
            f"An insight key has 1 to {MAX_INSIGHT_KEY} characters.", field="audience.insight_key"
        )
    tag = audience.tag.strip() if audience.tag is not None else None
    if tag is not None and not tag:
        raise InvalidInput("A tag is not empty.", field="audience.tag")
    return Audience(
        segment=audience.segment,
        tier_id=audience.tier_id,
        tag=tag,
        insight_key=key.strip() if key else None,
    )


async def matching(ctx: Context, store_id: int, audience: Audience) -> QuerySet[Customer]:
    """The store's customers in the audience (consent not yet considered)."""
    try:
        query = await filtered(
            ctx,
            store_id,
            CustomerFilter(segment=audience.segment, tag=audience.tag, tier_id=audience.tier_id),
        )
    except InvalidInput as error:
        raise InvalidInput(error.message, field=f"audience.{error.field}") from error
    if audience.insight_key is not None:
        ids = await insight_source(store_id, audience.insight_key)
        query = query.filter(id__in=sorted({int(pk) for pk in ids}) or [-1])
    return query


async def reachable_ids(ctx: Context, store_id: int, audience: Audience) -> list[int]:
    """The ids of the audience's customers who accept marketing messages, in id order."""
    query = (await matching(ctx, store_id, audience)).filter(marketing_consent=True)
    ids: list[Any] = await query.order_by("id").values_list("id", flat=True)
    return [int(pk) for pk in ids]


@dataclass(frozen=True)
class AudienceSize:
    matching: int
    reachable: int


async def size(ctx: Context, store_id: int, audience: Audience) -> AudienceSize:
    query = await matching(ctx, store_id, audience)
    return AudienceSize(
        matching=await query.count(),
        reachable=await query.filter(marketing_consent=True).count(),
    )
