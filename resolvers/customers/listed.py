"""A customer row as lists read it: plain values, not a model instance."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.queryset import QuerySet

from core.rows import plain_rows, plain_rows_in_turn, select_list, written_rows
from models.customers import AgeBand, Customer, Gender, SourceChannel


@dataclass(slots=True)
class Listed:
    """A customer as a page reads it: the columns of its row, never a model instance (building
    one costs more than the page's SQL)."""

    id: int
    store_id: int
    name_encrypted: str
    phone_encrypted: str
    key_version: int
    birth_year: int | None
    age_band: AgeBand | None
    gender: Gender
    marketing_consent: bool
    source_channel: SourceChannel
    tags: list[str]
    visit_count: int
    total_paid: int
    reward_uses: int
    first_visit_at: datetime | None
    last_visit_at: datetime | None
    created_at: datetime
    updated_at: datetime
    points: int = 0


_COLUMNS = (
    "id",
    "store_id",
    "name_encrypted",
    "phone_encrypted",
    "key_version",
    "birth_year",
    "age_band",
    "gender",
    "marketing_consent",
    "source_channel",
    "tags",
    "visit_count",
    "total_paid",
    "reward_uses",
    "first_visit_at",
    "last_visit_at",
    "created_at",
    "updated_at",
)


class ColumnNotRead(RuntimeError):
    """A field used a column its page did not read (see ``GLIMPSE``)."""


class _NotRead:
    """In a glimpsed row, each column the page did not read: any use of it is an error, never a
    value (String would write an object as its ``str()``, hence ``__str__``)."""

    __slots__ = ()

    def __str__(self) -> str:
        raise ColumnNotRead("a column this page did not read")

    def __bool__(self) -> bool:
        raise ColumnNotRead("a column this page did not read")


NOT_READ: Any = _NotRead()


@dataclass(frozen=True)
class Reading:
    """Which columns of a customer's row a page reads, and how a row becomes a ``Listed``."""

    columns: tuple[str, ...]
    listed: Callable[..., Listed]

    def select_list(self) -> str:
        """The columns as the select list of a statement written by hand (known once Tortoise
        has started: a foreign key's column is named then)."""
        return select_list(Customer, self.columns)

    async def read(self, query: QuerySet[Customer]) -> list[Listed]:
        listed = self.listed
        return [listed(*row) for row in await plain_rows(query, self.columns)]

    async def read_written(self, sql: str, parameters: list[Any]) -> list[Listed]:
        """The rows of a statement written by hand whose select list is ``select_list()``."""
        listed = self.listed
        rows = await written_rows(Customer, self.columns, sql, parameters)
        return [listed(*row) for row in rows]

    async def read_in_turn(self, queries: list[QuerySet[Customer]], limit: int) -> list[Listed]:
        """The first ``limit`` rows of the queries one after the other (plain_rows_in_turn)."""
        listed = self.listed
        return [listed(*row) for row in await plain_rows_in_turn(queries, self.columns, limit)]


def _glimpsed(
    id: int,
    store_id: int,
    name_encrypted: str,
    phone_encrypted: str,
    key_version: int,
    visit_count: int,
    total_paid: int,
    first_visit_at: datetime | None,
    last_visit_at: datetime | None,
) -> Listed:
    # by position (a page makes one per row): birth year, age band, gender, consent, channel and
    # tags; then reward uses; then the times created and updated, are not read
    return Listed(
        id,
        store_id,
        name_encrypted,
        phone_encrypted,
        key_version,
        NOT_READ,
        NOT_READ,
        NOT_READ,
        NOT_READ,
        NOT_READ,
        NOT_READ,
        visit_count,
        total_paid,
        NOT_READ,
        first_visit_at,
        last_visit_at,
        NOT_READ,
        NOT_READ,
    )


# Every column: what a customer's every field may need.
WHOLE = Reading(_COLUMNS, Listed)
# A page whose customers are asked only their id, name, phone and visits reads these: the
# other half of a row (three enums, the tags, two instants, a year, a count and a flag) cost a
# tenth of a 50-row page's time to read and convert. The schema decides when a page may
# (``GLIMPSED_FIELDS``).
GLIMPSE = Reading(
    (
        "id",
        "store_id",
        "name_encrypted",
        "phone_encrypted",
        "key_version",
        "visit_count",
        "total_paid",
        "first_visit_at",
        "last_visit_at",
    ),
    _glimpsed,
)


# What a customer's fields are computed from: its model instance, or the row a page read.
CustomerRow = Customer | Listed
