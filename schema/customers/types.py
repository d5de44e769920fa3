"""The ``Customer`` node and its connection: names and phones masked unless the caller may see them."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.context import Context
from models.customers import (
    Customer as CustomerModel,
)
from models.stores import Store as StoreModel
from resolvers.customers.privacy import reveals
from resolvers.customers.records import opened
from resolvers.customers.segments import Thresholds, clock, segments_of, thresholds_of
from resolvers.pii import display_phone, keys_for, mask_name, mask_phone
from resolvers.points import queries as point_queries
from schema.enums import AgeBand, Gender, Segment, SourceChannel
from schema.operations import query
from schema.pagination import Connection

if TYPE_CHECKING:
    from schema.coupons import CouponConnection
    from schema.orders import OrderConnection
    from schema.points import PointEntryConnection
    from schema.stamps import CustomerStampCard
    from schema.tiers import Tier, TierChangeConnection


def age_band_of(birth_year: int | None, stored: AgeBand | None) -> AgeBand | None:
    if stored is not None or birth_year is None:
        return stored
    age = date.today().year - birth_year
    bands = [
        (20, AgeBand.TEENS),
        (30, AgeBand.TWENTIES),
        (40, AgeBand.THIRTIES),
        (50, AgeBand.FORTIES),
        (60, AgeBand.FIFTIES),
    ]
    return next((band for limit, band in bands if age < limit), AgeBand.SIXTIES_PLUS)


@strawberry.type
class CustomerVisits:
    count: int
    total_paid: int
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    average_spend: int = strawberry.field(description="total paid per visit, rounded down")


async def _customer_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    return int(source.store_id)


async def _load_segment_context(ctx: Context, store_id: int) -> tuple[Thresholds, Any]:
    thresholds = await thresholds_of(store_id)
    store = await ctx.loaders.rows(StoreModel).load(store_id)
    return thresholds, clock(thresholds, store.time_zone if store else "Asia/Seoul")


async def _segment_context(ctx: Context, store_id: int) -> tuple[Thresholds, Any]:
    return await ctx.loaders.once(
        ("segment_context", store_id), lambda: _load_segment_context(ctx, store_id)
    )


@strawberry.type
class Customer(relay.Node):
    id: relay.NodeID[int]
    birth_year: int | None
    age_band: AgeBand | None
    gender: Gender
    marketing_consent: bool
    source_channel: SourceChannel
    tags: list[str]
    reward_uses: int = strawberry.field(description="stamps and coupons redeemed")
    created_at: datetime
    updated_at: datetime
    visits: CustomerVisits
    row: strawberry.Private[CustomerModel]
    store_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: CustomerModel) -> "Customer":
        return cls(
            id=row.id,
            birth_year=row.birth_year,
            age_band=age_band_of(row.birth_year, row.age_band),
            gender=row.gender,
            marketing_consent=row.marketing_consent,
            source_channel=row.source_channel,
            tags=list(row.tags),
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
            store_id=row.store_id,  # type: ignore[attr-defined]
        )

    @strawberry.field(description="Masked (김*수) unless the caller may reveal customers' PII.")
    async def name(self, info: Info) -> str:
        name, _ = opened(keys_for(info.context.settings), self.row)
        return name if await reveals(info.context, self.store_id) else mask_name(name)

    @strawberry.field(
        description="Masked (010-****-5678) unless the caller may reveal customers' PII."
    )
    async def phone(self, info: Info) -> str:
        _, phone = opened(keys_for(info.context.settings), self.row)
        return (
            display_phone(phone)
            if await reveals(info.context, self.store_id)
            else mask_phone(phone)
        )

    @strawberry.field(description="True when name and phone are shown masked to this caller.")
    async def pii_masked(self, info: Info) -> bool:
        return not await reveals(info.context, self.store_id)

    @strawberry.field(description="Computed now from visits and the store's thresholds.")
    async def segments(self, info: Info) -> list[Segment]:
        thresholds, now = await _segment_context(info.context, self.store_id)
        return segments_of(self.row, thresholds, now)

    @query("orders.read", store=_customer_store)
    async def orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated["OrderConnection", strawberry.lazy("schema.orders")]:
        from schema.orders import OrderFilter, orders_connection

        where = OrderFilter(customer_id=relay.GlobalID("Customer", str(self.id)))
        return await orders_connection(self.store_id, where, first, after)

    @query("points.read", store=_customer_store)
    async def points_balance(self, info: Info) -> int:
        return await info.context.loaders.batch(point_queries.balances).load(self.id)

    @query("points.read", store=_customer_store)
    async def points_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated["PointEntryConnection", strawberry.lazy("schema.points")]:
        from schema.points import history_connection

        return await history_connection(self.id, first, after)

    @query("tiers.read", store=_customer_store)
    async def tier(self, info: Info) -> Annotated["Tier", strawberry.lazy("schema.tiers")] | None:
        from schema.tiers import customer_tier

        return await customer_tier(info, self.id)

    @query("tiers.read", store=_customer_store)
    async def tier_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated["TierChangeConnection", strawberry.lazy("schema.tiers")]:
        from schema.tiers import customer_tier_history

        return await customer_tier_history(self.id, first, after)

    @query("stamps.read", store=_customer_store)
    async def stamp_card(
        self, info: Info
    ) -> Annotated["CustomerStampCard", strawberry.lazy("schema.stamps")] | None:
        from schema.stamps import customer_stamp_card

        return await customer_stamp_card(info, self.store_id, self.id)

    @query("coupons.read", store=_customer_store)
    async def coupons(
        self,
        info: Info,
        include_used: bool = False,
        first: int | None = None,
        after: str | None = None,
    ) -> Annotated["CouponConnection", strawberry.lazy("schema.coupons")]:
        from schema.coupons import customer_coupons

        return await customer_coupons(self.id, include_used, first, after)


@strawberry.type
class SegmentCount:
    segment: Segment
    count: int


@strawberry.type
class CustomerConnection(Connection[Customer]):
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


async def customer_node(info: Info, row: CustomerModel) -> Customer:
    return Customer.from_model(row)
