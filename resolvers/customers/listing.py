"""The customer list: filters, sorts and keyset pages (two statements at most per page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from typing import Any

from pypika_tortoise.context import SqlContext
from pypika_tortoise.terms import Term, Tuple, ValueWrapper
from pypika_tortoise.utils import format_alias_sql
from tortoise.expressions import RawSQL
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import db_instant, dialect, placeholder
from core.errors import InvalidInput, UserError
from models.customers import Customer, CustomerTag
from models.points import PointBalance
from models.stores import Store as StoreModel
from resolvers.customers import lookups
from resolvers.customers.fields import clean_tags
from resolvers.customers.listed import WHOLE, Listed, Reading
from resolvers.customers.segments import Segment, clock, filter_segment, thresholds_of
from resolvers.pii import keys_for, normalise_phone


class CustomerSort(str, Enum):
    CREATED_DESC = "CREATED_DESC"
    VISITS_DESC = "VISITS_DESC"
    TOTAL_PAID_DESC = "TOTAL_PAID_DESC"
    LAST_VISIT_DESC = "LAST_VISIT_DESC"
    POINTS_DESC = "POINTS_DESC"


SORT_COLUMN = {
    CustomerSort.VISITS_DESC: "visit_count",
    CustomerSort.TOTAL_PAID_DESC: "total_paid",
    CustomerSort.LAST_VISIT_DESC: "last_visit_at",
    CustomerSort.POINTS_DESC: "points",
}
NO_POINTS = RawSQL(
    'NOT EXISTS (SELECT 1 FROM "point_balance" '
    'WHERE "point_balance"."customer_id" = "customer"."id" AND "point_balance"."balance" > 0)'
)


@dataclass(frozen=True)
class CustomerFilter:
    segment: Segment | None = None
    tag: str | None = None
    search: str | None = None
    tier_id: int | None = None


@dataclass(frozen=True)
class Page:
    rows: list[Listed]
    count: QuerySet[Customer]


def _search(
    query: QuerySet[Customer], ctx: Context, store_id: int, search: str
) -> QuerySet[Customer]:
    """A full phone number, its last four digits, or an exact name (the data is encrypted)."""
    keys = keys_for(ctx.settings)
    text = search.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) == 4 and len(text) <= 5:
        return query.filter(phone_tail_index=keys.tail_index_of_digits(store_id, digits))
    if digits and len(digits) >= 8 and not any(ch.isalpha() for ch in text):
        try:
            return query.filter(phone_index=keys.phone_index(store_id, normalise_phone(text)))
        except UserError:
            return query.filter(id=-1)
    if not text:
        raise InvalidInput("search is empty.", field="search")
    return query.filter(name_index=keys.name_index(store_id, text))


class _RowIn(Term):
    """``EXISTS`` of a row of ``table`` for the customer with ``column`` = ``value``, where the
    value is a bound parameter of the statement (never pasted into the SQL)."""

    def __init__(self, table: str, column: str, value: str | int) -> None:
        super().__init__()
        self.table, self.column, self.value = table, column, value

    def get_sql(self, ctx: SqlContext) -> str:
        table, column = self.table, self.column
        value = ValueWrapper(self.value).get_sql(ctx.copy(with_alias=False))
        sql = (
            f'EXISTS (SELECT 1 FROM "{table}" WHERE "{table}"."customer_id" = "customer"."id" '
            f'AND "{table}"."{column}" = {value})'
        )
        return format_alias_sql(sql, self.alias, ctx) if ctx.with_alias else sql


def _tagged(query: QuerySet[Customer], raw: str) -> QuerySet[Customer]:
    """EXISTS per row (index customer_id, tag), so a page stops after its rows."""
    tags = clean_tags([raw])
    if not tags:
        raise InvalidInput("tag is empty.", field="tag")
    exists = _RowIn(CustomerTag._meta.db_table, "tag", tags[0])
    return query.annotate(has_tag=exists).filter(has_tag=True)


async def filtered(ctx: Context, store_id: int, where: CustomerFilter) -> QuerySet[Customer]:
    query = Customer.filter(store_id=store_id)
    if where.segment is not None:
        thresholds = await thresholds_of(store_id)
        store = await ctx.loaders.rows(StoreModel).load(store_id)
        query = filter_segment(
            query,
            where.segment,
            thresholds,
            clock(thresholds, store.time_zone if store else "Asia/Seoul"),
        )
    if where.tag is not None:
        query = _tagged(query, where.tag)
    if where.tier_id is not None:
        in_tier = _RowIn("customer_tier", "tier_id", int(where.tier_id))
        query = query.annotate(in_tier=in_tier).filter(in_tier=True)
    if where.search is not None:
        query = _search(query, ctx, store_id, where.search)
    return query


@dataclass(frozen=True)
class Position:
    """Where a customer stands in a sort order: its sort value and its id.

    ``value`` is None under ``CREATED_DESC`` (the id is the order) and for a customer
    never seen under ``LAST_VISIT_DESC``.
    """

    value: Any
    id: int


def cursor_key(sort: CustomerSort) -> Callable[[Listed], tuple[Any, ...]]:
    """Where a row stands in a sort order, as its cursor holds it: (id) under CREATED_DESC,
    else (sort value, id). Read in one call per row of a page."""
    if sort is CustomerSort.CREATED_DESC:
        return _id_only
    return attrgetter(SORT_COLUMN[sort], "id")


def _id_only(row: Listed) -> tuple[int]:
    return (row.id,)


async def page(
    ctx: Context,
    *,
    store_id: int,
    where: CustomerFilter,
    sort: CustomerSort,
    size: int,
    after: Position | None,
    reading: Reading = WHOLE,
) -> Page:
    """One page, its rows read as ``reading`` says; a search (by phone or name) is a lookup,
    limited per caller (``lookups``)."""

    async def find() -> Page:
        return await _page(
            ctx, store_id=store_id, where=where, sort=sort, size=size, after=after, reading=reading
        )

    if where.search is None:
        return await find()
    return await lookups.limited(ctx, store_id=store_id, find=find, found=lambda p: bool(p.rows))


async def _page(
    ctx: Context,
    *,
    store_id: int,
    where: CustomerFilter,
    sort: CustomerSort,
    size: int,
    after: Position | None,
    reading: Reading,
) -> Page:
    """``size + 1`` rows in keyset order after ``after``; customers never seen sort last under
    LAST_VISIT_DESC."""
    base = await filtered(ctx, store_id, where)
    if sort is CustomerSort.CREATED_DESC:
        query = base
        if after is not None:
            query = query.filter(id__lt=after.id)
        return Page(rows=await reading.read(query.order_by("-id").limit(size + 1)), count=base)
    if sort is CustomerSort.POINTS_DESC:
        return Page(rows=await _by_points(base, store_id, size, after, reading), count=base)
    if sort in _WRITTEN_SORTS and where == _NO_FILTER:
        column = SORT_COLUMN[sort]
        return Page(rows=await _unfiltered(store_id, column, after, size + 1, reading), count=base)
    column = SORT_COLUMN[sort]
    rows: list[Listed] = []
    if sort is CustomerSort.LAST_VISIT_DESC:
        if after is None or after.value is not None:
            seen = base.filter(last_visit_at__isnull=False)
            keyset = _Keyset.of_customer("last_visit_at")
            rows = await _rows_after(seen, keyset, after, size + 1, reading)
        if len(rows) <= size:
            rest = base.filter(last_visit_at__isnull=True)
            if after is not None and after.value is None:
                rest = rest.filter(id__lt=after.id)
            rows += await reading.read(rest.order_by("-id").limit(size + 1 - len(rows)))
        return Page(rows=rows, count=base)
    keyset = _Keyset.of_customer(column)
    return Page(rows=await _rows_after(base, keyset, after, size + 1, reading), count=base)


# The list as the portal opens it: a store's customers by an integer column, no filter. Its
# statements are written once per (column, dialect, first page or not): built through the ORM,
# they cost more than running them. They are the ones ``_rows_after`` builds.
_WRITTEN_SORTS = frozenset({CustomerSort.VISITS_DESC, CustomerSort.TOTAL_PAID_DESC})
_NO_FILTER = CustomerFilter()


async def _unfiltered(
    store_id: int, column: str, after: Position | None, limit: int, reading: Reading
) -> list[Listed]:
    sql = _unfiltered_sql(column, dialect(), after is not None, reading)
    if after is None:
        return await reading.read_written(sql, [store_id, limit])
    if dialect() == "postgres":
        return await reading.read_written(sql, [store_id, after.value, after.id, limit])
    parameters = [store_id, after.value, after.id, limit, store_id, after.value, limit, limit]
    return await reading.read_written(sql, parameters)


@lru_cache(maxsize=32)
def _unfiltered_sql(column: str, dialect: str, after: bool, reading: Reading) -> str:
    select = f'SELECT {reading.select_list()} FROM "{Customer._meta.db_table}"'
    ordered = f'ORDER BY "{column}" DESC, "id" DESC'
    if not after:
        store, limit = placeholder(dialect, 1), placeholder(dialect, 2)
        return f'{select} WHERE "store_id" = {store} {ordered} LIMIT {limit}'
    if dialect == "postgres":
        return (
            f'{select} WHERE "store_id" = $1 AND ("{column}", "id") < ($2, $3) {ordered} LIMIT $4'
        )
    # SQLite: the rest of the tie, then the rows below it (see ``_rows_after``)
    tied = (
        f'{select} WHERE "store_id" = ? AND "{column}" = ? AND "id" < ? ORDER BY "id" DESC LIMIT ?'
    )
    lower = f'{select} WHERE "store_id" = ? AND "{column}" < ? {ordered} LIMIT ?'
    return (
        f'SELECT * FROM ({tied}) AS "part_1" UNION ALL SELECT * FROM ({lower}) AS "part_2" LIMIT ?'
    )


@dataclass(frozen=True)
class _Keyset:
    """A sort order served by one index: the sort value and the customer's id, as the ORM names
    them, and as the columns of ``table`` for PostgreSQL's row value."""

    value: str
    id: str
    table: type[Model]
    columns: tuple[str, str]

    @classmethod
    def of_customer(cls, column: str) -> _Keyset:
        return cls(column, "id", Customer, (column, "id"))

    def row_value(self) -> Tuple:
        table = self.table._meta.basetable  # named once Tortoise has started
        return Tuple(*(table[column] for column in self.columns))


# the balance lives in point_balance, whose index (store, balance, customer) serves the order;
# its customer_id is the customer's id
_BY_BALANCE = _Keyset(
    "point_balance__balance", "point_balance__customer_id", PointBalance, ("balance", "customer_id")
)


async def _rows_after(
    query: QuerySet[Customer],
    keyset: _Keyset,
    after: Position | None,
    limit: int,
    reading: Reading,
    *,
    tied_in: QuerySet[Customer] | None = None,
) -> list[Listed]:
    """Up to ``limit`` rows after ``after`` in (value desc, id desc) order, each statement
    starting its index scan at its first row; ``tied_in`` (default ``query``) holds the rows
    tied with the cursor's value.

    PostgreSQL starts there from one row-value comparison ``(value, id) < (v, i)``.
    SQLite (3.40) bounds its scan by the value alone for it, and so read, then dropped, every
    row tied with the cursor's value above it: thousands at page 500 of a store where many
    customers share a visit count. There the rest of the tie (``value = v AND id < i``, a
    seek on both) and the rows below the value are two parts of one statement. (The OR of the
    two cases bounds no scan at all: the index was read from its top and filtered.)"""
    ordered = (f"-{keyset.value}", f"-{keyset.id}")
    if after is None:
        return await reading.read(query.order_by(*ordered).limit(limit))
    if dialect() == "postgres":
        value = db_instant(after.value) if isinstance(after.value, datetime) else after.value
        below = query.annotate(keyset=keyset.row_value()).filter(
            keyset__lt=Tuple(ValueWrapper(value), ValueWrapper(after.id))
        )
        return await reading.read(below.order_by(*ordered).limit(limit))
    tied = (query if tied_in is None else tied_in).filter(
        **{keyset.value: after.value, f"{keyset.id}__lt": after.id}
    )
    lower = query.filter(**{f"{keyset.value}__lt": after.value})
    return await reading.read_in_turn(
        [tied.order_by(f"-{keyset.id}").limit(limit), lower.order_by(*ordered).limit(limit)],
        limit,
    )


async def _by_points(
    base: QuerySet[Customer], store_id: int, size: int, after: Position | None, reading: Reading
) -> list[Listed]:
    """Customers with points by balance, read from the index (store, balance, customer) of
    their balances and stopping at the page's last row; then the rest, newest first."""
    rows: list[Listed] = []
    if after is None or after.value > 0:
        in_store = base.filter(point_balance__store_id=store_id)
        # the tie apart from balance > 0: beside it, SQLite seeks on that range instead
        rows = await _rows_after(
            in_store.filter(point_balance__balance__gt=0),
            _BY_BALANCE,
            after,
            size + 1,
            reading,
            tied_in=in_store,
        )
    if len(rows) <= size:
        rest = base.annotate(no_points=NO_POINTS).filter(no_points=True)
        if after is not None and after.value == 0:
            rest = rest.filter(id__lt=after.id)
        rows += await reading.read(rest.order_by("-id").limit(size + 1 - len(rows)))
    balances = dict(
        await PointBalance.filter(customer_id__in=[row.id for row in rows]).values_list(
            "customer_id", "balance"
        )
    )
    for row in rows:
        row.points = int(balances.get(row.id, 0))
    return rows
