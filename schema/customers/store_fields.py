"""What ``Store`` fields of the customers domain resolve to (bound in schema/stores.py)."""

from __future__ import annotations

from strawberry.types import Info

from models.stores import Store as StoreModel
from resolvers.customers import records, segments
from resolvers.customers.listing import page
from schema.customers.mutations import CustomerFilterInput
from schema.customers.types import Customer, CustomerConnection, CustomerSettings, SegmentCount
from schema.enums import CustomerSort
from schema.pagination import connection, decode_cursor, page_size


async def customers_connection(
    info: Info,
    store_id: int,
    where: CustomerFilterInput | None,
    sort: CustomerSort,
    first: int | None,
    after: str | None,
) -> CustomerConnection:
    size = page_size(first)
    cursor = decode_cursor(after)
    found = await page(
        info.context,
        store_id=store_id,
        where=where.to_filter() if where else CustomerFilterInput().to_filter(),
        sort=sort,
        size=size,
        cursor=cursor,
    )
    from resolvers.customers.listing import cursor_of

    return connection(
        CustomerConnection,
        found.rows,
        size,
        key=lambda row: cursor_of(sort, row),
        node=Customer.from_model,
        has_previous=cursor is not None,
        total=found.count.count,
    )


async def customer_by_phone(info: Info, store_id: int, phone: str) -> Customer | None:
    row = await records.by_phone(info.context, store_id=store_id, phone=phone)
    return Customer.from_model(row) if row else None


async def customer_settings(store_id: int) -> CustomerSettings:
    return CustomerSettings.from_thresholds(await segments.thresholds_of(store_id))


async def segment_counts(info: Info, store_id: int) -> list[SegmentCount]:
    store = await info.context.loaders.rows(StoreModel).load(store_id)
    found = await segments.counts(store_id, store.time_zone if store else "Asia/Seoul")
    return [SegmentCount(segment=segment, count=count) for segment, count in found.items()]
