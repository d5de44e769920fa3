"""The fields of ``Store`` that the customers domain adds: lists, lookup, settings, segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from models.stores import Store as StoreModel
from resolvers.customers import records, segments
from resolvers.customers.listed import GLIMPSE, WHOLE
from resolvers.customers.listing import Position, cursor_key, page
from resolvers.customers.privacy import reveals
from schema.customers.mutations import CustomerFilterInput
from schema.customers.types import (
    GLIMPSED_FIELDS,
    CustomerConnection,
    CustomerProfile,
    CustomerSettings,
    SegmentCount,
)
from schema.enums import CustomerSort
from schema.operations import query
from schema.pagination import (
    all_node_fields,
    connection,
    decode_cursor,
    node_fields,
    page_size,
)
from schema.refs import CustomerRef
from schema.scopes import source_store
from schema.stores import StoreProfile

PII_FIELDS = frozenset({"name", "phone", "piiMasked"})
# The values of each sort's cursor: (id) for CREATED_DESC, else (sort value, id).
CURSOR_SHAPES: dict[CustomerSort, tuple[Any, ...]] = {
    CustomerSort.CREATED_DESC: (int,),
    CustomerSort.VISITS_DESC: (int, int),
    CustomerSort.TOTAL_PAID_DESC: (int, int),
    CustomerSort.LAST_VISIT_DESC: (datetime | None, int),
    CustomerSort.POINTS_DESC: (int, int),
}


def _after(sort: CustomerSort, after: str | None) -> Position | None:
    cursor = decode_cursor(after, CURSOR_SHAPES[sort])
    if cursor is None:
        return None
    return Position(value=cursor[0] if len(cursor) == 2 else None, id=cursor[-1])


async def customers_connection(
    info: Info,
    store_id: int,
    where: CustomerFilterInput | None,
    sort: CustomerSort,
    first: int | None,
    after: str | None,
) -> CustomerConnection:
    size = page_size(first)
    position = _after(sort, after)
    asked = all_node_fields(info)
    found = await page(
        info.context,
        store_id=store_id,
        where=where.to_filter() if where else CustomerFilterInput().to_filter(),
        sort=sort,
        size=size,
        after=position,
        reading=GLIMPSE if asked is not None and asked <= GLIMPSED_FIELDS else WHOLE,
    )
    seen = asked if asked is not None else node_fields(info)  # the same, when it is whole
    if found.rows and PII_FIELDS & seen:
        await reveals(info.context, store_id)  # once, before the rows: their fields stay plain
    return connection(
        CustomerConnection,
        found.rows,
        size,
        key=cursor_key(sort),
        node=CustomerProfile.from_model,
        has_previous=position is not None,
        total=found.count.count,
    )


async def customer_by_phone(info: Info, store_id: int, phone: str) -> CustomerProfile | None:
    row = await records.by_phone(info.context, store_id=store_id, phone=phone)
    return CustomerProfile.from_model(row) if row else None


async def customer_settings(store_id: int) -> CustomerSettings:
    return CustomerSettings.from_thresholds(await segments.thresholds_of(store_id))


async def segment_counts(info: Info, store_id: int) -> list[SegmentCount]:
    store = await info.context.loaders.rows(StoreModel).load(store_id)
    found = await segments.counts(store_id, store.time_zone if store else "Asia/Seoul")
    return [SegmentCount(segment=segment, count=count) for segment, count in found.items()]


@strawberry.type
class StoreCustomers(StoreProfile):
    @query("customers.read", store=source_store())
    async def customers(
        self,
        info: Info,
        filter: CustomerFilterInput | None = None,
        sort: CustomerSort = CustomerSort.CREATED_DESC,
        first: int | None = None,
        after: str | None = None,
    ) -> CustomerConnection:

        return await customers_connection(info, self.id, filter, sort, first, after)

    @query("customers.read", store=source_store(), graphql_type=CustomerRef | None)
    async def customer_by_phone(self, info: Info, phone: str) -> CustomerProfile | None:

        return await customer_by_phone(info, self.id, phone)

    @query("customers.read", store=source_store())
    async def customer_settings(self, info: Info) -> CustomerSettings:

        return await customer_settings(self.id)

    @query(
        "customers.segments",
        store=source_store(),
        description="Customers per segment, counted now.",
    )
    async def customer_segments(self, info: Info) -> list[SegmentCount]:

        return await segment_counts(info, self.id)
