"""The ``Customer`` node and its connection:
names and phones masked unless the caller may see them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.context import Context
from models.stores import Store as StoreModel
from resolvers.customers.listed import CustomerRow
from resolvers.customers.privacy import revealed, reveals
from resolvers.customers.records import opened_name, opened_phone
from resolvers.customers.segments import Thresholds, clock, segments_of, thresholds_of
from resolvers.pii import display_phone, keys_for, mask_name, mask_phone
from schema.enums import AgeBand, Gender, Segment, SourceChannel
from schema.execution import reads_only_context
from schema.operations import field
from schema.pagination import Connection
from schema.refs import CustomerRef

_BANDS = (
    (20, AgeBand.TEENS),
    (30, AgeBand.TWENTIES),
    (40, AgeBand.THIRTIES),
    (50, AgeBand.FORTIES),
    (60, AgeBand.FIFTIES),
)


def age_band_of(birth_year: int | None, stored: AgeBand | None) -> AgeBand | None:
    if stored is not None or birth_year is None:
        return stored
    age = date.today().year - birth_year
    return next((band for limit, band in _BANDS if age < limit), AgeBand.SIXTIES_PLUS)


@strawberry.type
class CustomerVisits:
    count: int
    total_paid: int
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    average_spend: int = strawberry.field(description="total paid per visit, rounded down")


async def customer_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    return int(source.store_id)


async def _load_segment_context(ctx: Context, store_id: int) -> tuple[Thresholds, Any]:
    thresholds = await thresholds_of(store_id)
    store = await ctx.loaders.rows(StoreModel).load(store_id)
    return thresholds, clock(thresholds, store.time_zone if store else "Asia/Seoul")


async def _segment_context(ctx: Context, store_id: int) -> tuple[Thresholds, Any]:
    return await ctx.loaders.once(
        ("segment_context", store_id), lambda: _load_segment_context(ctx, store_id)
    )


# The fields a page's customers may be asked when it reads only the columns of
# ``listed.GLIMPSE`` (every other field reads a column that leaves out; ``from_model`` reads
# none of them, and a row's columns not read fail any use).
GLIMPSED_FIELDS = frozenset({"__typename", "id", "name", "phone", "piiMasked", "visits"})


@strawberry.type(name="Customer", description="A customer of a store, and every domain's fields.")
class CustomerProfile(relay.Node):
    id: relay.NodeID[int]
    birth_year: int | None
    gender: Gender
    marketing_consent: bool
    source_channel: SourceChannel
    tags: list[str]
    reward_uses: int = strawberry.field(description="stamps and coupons redeemed")
    created_at: datetime
    updated_at: datetime
    visits: CustomerVisits
    row: strawberry.Private[CustomerRow]
    store_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: CustomerRow) -> CustomerProfile:
        return cls(
            id=row.id,
            birth_year=row.birth_year,
            gender=row.gender,
            marketing_consent=row.marketing_consent,
            source_channel=row.source_channel,
            tags=row.tags,
            reward_uses=row.reward_uses,
            created_at=row.created_at,
            updated_at=row.updated_at,
            visits=CustomerVisits(
                count=row.visit_count,
                total_paid=row.total_paid,
                first_visit_at=row.first_visit_at,
                last_visit_at=row.last_visit_at,
                average_spend=row.total_paid // row.visit_count if row.visit_count else 0,
            ),
            row=row,
            store_id=row.store_id,
        )

    @strawberry.field
    def age_band(self) -> AgeBand | None:
        # computed when asked: a page of customers rarely asks, and it costs a clock read
        return age_band_of(self.birth_year, self.row.age_band)

    # Plain calls, not coroutines, once the request has decided whether this caller sees PII
    # (a list decides before its rows): an awaited field costs far more per row.
    @field(
        description="Masked (김*수) unless the caller may reveal customers' PII.", graphql_type=str
    )
    @reads_only_context
    def name(self, info: Info) -> Any:
        shown = revealed(info.context, self.store_id)
        if shown is None:
            return self._later(info, self._name)
        return self._name(info.context, shown)

    @field(
        description="Masked (010-****-5678) unless the caller may reveal customers' PII.",
        graphql_type=str,
    )
    @reads_only_context
    def phone(self, info: Info) -> Any:
        shown = revealed(info.context, self.store_id)
        if shown is None:
            return self._later(info, self._phone)
        return self._phone(info.context, shown)

    @field(
        description="True when name and phone are shown masked to this caller.", graphql_type=bool
    )
    @reads_only_context
    def pii_masked(self, info: Info) -> Any:
        shown = revealed(info.context, self.store_id)
        if shown is None:
            return self._later(info, lambda _ctx, shown: not shown)
        return not shown

    def _name(self, ctx: Context, shown: bool) -> str:
        name = opened_name(keys_for(ctx.settings), self.row)
        return name if shown else mask_name(name)

    def _phone(self, ctx: Context, shown: bool) -> str:
        phone = opened_phone(keys_for(ctx.settings), self.row)
        return display_phone(phone) if shown else mask_phone(phone)

    async def _later(self, info: Info, value: Callable[[Context, bool], Any]) -> Any:
        return value(info.context, await reveals(info.context, self.store_id))

    @field(description="Computed now from visits and the store's thresholds.")
    async def segments(self, info: Info) -> list[Segment]:
        thresholds, now = await _segment_context(info.context, self.store_id)
        return segments_of(self.row, thresholds, now)


@strawberry.type
class SegmentCount:
    segment: Segment
    count: int


@strawberry.type
class CustomerConnection(Connection[CustomerRef]):
    pass


@strawberry.type
class CustomerSettings:
    new_customer_days: int
    dormant_days: int
    regular_min_visits: int
    regular_min_total_paid: int
    high_frequency_visits_per_month: int
    reward_sensitive_min_uses: int

    @classmethod
    def from_thresholds(cls, t: Thresholds) -> "CustomerSettings":
        return cls(**vars(t))
