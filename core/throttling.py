"""Fixed-window counters in the database, shared by every server process."""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from core.database import add_to_row, connection, db_value, dialect, placeholder
from models.throttling import RateCounter

M = TypeVar("M", bound=Model)


def window_of(window_seconds: int, now: float | None = None) -> tuple[int, int]:
    """The window's start and the seconds left in it."""
    moment = int(now if now is not None else time.time())
    start = moment - moment % window_seconds
    return start, start + window_seconds - moment


async def count(bucket: str, window_seconds: int) -> int:
    start, _ = window_of(window_seconds)
    found: list[Any] = await RateCounter.filter(bucket=bucket, window_start=start).values_list(
        "count", flat=True
    )
    return found[0] if found else 0


async def count_beside(
    bucket: str, window_seconds: int, model: type[M], where: Mapping[str, Any]
) -> tuple[int, M | None]:
    """The window's count and the row of ``model`` whose fields equal ``where`` (a unique key),
    read in one statement: a limited lookup's check and its answer in one round trip."""
    start, _ = window_of(window_seconds)
    sql = _beside_sql(model, tuple(where), dialect())
    rows = await connection().execute_query_dict(
        sql, [bucket, start, *(db_value(value) for value in where.values())]
    )
    found = dict(rows[0])
    count = found.pop(_COUNT) or 0
    if found[model._meta.db_pk_column] is None:
        return count, None
    return count, model._init_from_db(**found)


_COUNT = "window_count"


@lru_cache(maxsize=64)
def _beside_sql(model: type[Model], where: tuple[str, ...], dialect: str) -> str:
    meta = model._meta
    columns = ", ".join(f'"found"."{column}"' for column in meta.db_fields)
    conditions = " AND ".join(
        f'"found"."{meta.fields_db_projection[name]}" = {placeholder(dialect, k + 3)}'
        for k, name in enumerate(where)
    )
    counter = RateCounter._meta.db_table
    return (
        f'SELECT (SELECT "count" FROM "{counter}" WHERE "bucket" = {placeholder(dialect, 1)} '
        f'AND "window_start" = {placeholder(dialect, 2)}) AS "{_COUNT}", {columns} '
        f'FROM (SELECT 1 AS "one") AS "one" '
        f'LEFT JOIN "{meta.db_table}" AS "found" ON {conditions}'
    )


async def hit(bucket: str, window_seconds: int) -> int:
    """Count one more event and return the window's total. One statement, so concurrent
    callers each get their own total and a limit holds however many arrive at once."""
    start, _ = window_of(window_seconds)
    row = await add_to_row(
        RateCounter._meta.db_table,
        {"bucket": bucket, "window_start": start},
        {"count": 1},
        returning=["count"],
    )
    return int(row["count"])


async def clear(bucket: str, window_seconds: int) -> None:
    start, _ = window_of(window_seconds)
    await RateCounter.filter(bucket=bucket, window_start=start).delete()
