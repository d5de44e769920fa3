"""A customer row as lists read it: plain values, not a model instance."""

from __future__ import annotations

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


async def read(query: QuerySet[Customer]) -> list[Listed]:
    return [Listed(*row) for row in await plain_rows(query, _COLUMNS)]


async def read_written(sql: str, parameters: list[Any]) -> list[Listed]:
    """The rows of a statement written by hand whose select list is ``listed_columns()``."""
    return [Listed(*row) for row in await written_rows(Customer, _COLUMNS, sql, parameters)]


async def read_in_turn(queries: list[QuerySet[Customer]], limit: int) -> list[Listed]:
    """The first ``limit`` rows of the queries one after the other (plain_rows_in_turn)."""
    return [Listed(*row) for row in await plain_rows_in_turn(queries, _COLUMNS, limit)]


# What a customer's fields are computed from: its model instance, or the row a page read.
CustomerRow = Customer | Listed


def listed_columns() -> str:
    """The columns ``Listed`` holds, as the select list of a statement written by hand (known
    once Tortoise has started: a foreign key's column is named then)."""
    return select_list(Customer, _COLUMNS)
