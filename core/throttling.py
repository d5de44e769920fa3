"""Sliding-window counters in the database, shared by every server process.

Events are counted in fixed windows, one row per bucket and window. A limit reads the current
window and the one before it, the earlier weighted by how much of it a window ending now still
covers (the sliding-window counter of Cloudflare and nginx). So a limit holds across a window's
turn: thirty failed sign-ins just before it still count just after it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, TypeVar

from tortoise.models import Model

from core.database import connection, db_value, dialect, placeholder
from models.throttling import RateCounter

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Usage:
    """A bucket's counts in the current window and the one before it, at ``now``."""

    current: int
    previous: int
    window_seconds: int
    now: float

    @property
    def elapsed(self) -> float:
        """Seconds since the current window began."""
        return self.now % self.window_seconds

    @property
    def total(self) -> int:
        """Events within the last ``window_seconds``: the current window's count and the
        previous window's share, rounded up so a limit is never undercounted."""
        share = (self.window_seconds - self.elapsed) / self.window_seconds
        return self.current + math.ceil(self.previous * share)

    def retry_after(self, limit: int) -> int:
        """Whole seconds until ``total`` is below ``limit`` again, if nothing more is counted."""
        allowed = max(limit - 1, 0)
        window = self.window_seconds
        if self.current <= allowed:
            # Within this window: the previous window's share shrinks until it fits.
            spare = allowed - self.current
            at = window * (1 - spare / self.previous) if self.previous > spare else 0.0
            wait = at - self.elapsed
        else:
            # After the turn this window is the previous one, and its share shrinks the same way.
            wait = window - self.elapsed + window * (1 - allowed / self.current)
        return max(1, math.ceil(wait))


def _window_start(window_seconds: int, now: float) -> int:
    return int(now - now % window_seconds)


async def count(bucket: str, window_seconds: int) -> Usage:
    now = time.time()
    start = _window_start(window_seconds, now)
    found = dict(
        await RateCounter.filter(
            bucket=bucket, window_start__in=(start, start - window_seconds)
        ).values_list("window_start", "count")
    )
    return Usage(found.get(start, 0), found.get(start - window_seconds, 0), window_seconds, now)


async def count_beside(
    bucket: str, window_seconds: int, model: type[M], where: Mapping[str, Any]
) -> tuple[Usage, M | None]:
    """The bucket's usage and the row of ``model`` whose fields equal ``where`` (a unique key),
    read in one statement: a limited lookup's check and its answer in one round trip."""
    now = time.time()
    start = _window_start(window_seconds, now)
    sql = _beside_sql(model, tuple(where), dialect())
    rows = await connection().execute_query_dict(
        sql,
        [
            bucket,
            start,
            bucket,
            start - window_seconds,
            *(db_value(value) for value in where.values()),
        ],
    )
    found = dict(rows[0])
    usage = Usage(found.pop(_CURRENT) or 0, found.pop(_PREVIOUS) or 0, window_seconds, now)
    if found[model._meta.db_pk_column] is None:
        return usage, None
    return usage, model._init_from_db(**found)


_CURRENT = "window_count"
_PREVIOUS = "previous_window_count"


def _window_count_sql(dialect: str, first: int) -> str:
    return (
        f'(SELECT "count" FROM "{RateCounter._meta.db_table}" AS "counted" '
        f'WHERE "counted"."bucket" = {placeholder(dialect, first)} '
        f'AND "counted"."window_start" = {placeholder(dialect, first + 1)})'
    )


@lru_cache(maxsize=64)
def _beside_sql(model: type[Model], where: tuple[str, ...], dialect: str) -> str:
    meta = model._meta
    columns = ", ".join(f'"found"."{column}"' for column in meta.db_fields)
    conditions = " AND ".join(
        f'"found"."{meta.fields_db_projection[name]}" = {placeholder(dialect, k + 5)}'
        for k, name in enumerate(where)
    )
    return (
        f'SELECT {_window_count_sql(dialect, 1)} AS "{_CURRENT}", '
        f'{_window_count_sql(dialect, 3)} AS "{_PREVIOUS}", {columns} '
        f'FROM (SELECT 1 AS "one") AS "one" '
        f'LEFT JOIN "{meta.db_table}" AS "found" ON {conditions}'
    )


async def hit(bucket: str, window_seconds: int) -> Usage:
    """Count one more event and return the usage with it. One statement, so concurrent callers
    each see their own count and a limit holds however many arrive at once."""
    now = time.time()
    start = _window_start(window_seconds, now)
    rows = await connection().execute_query_dict(
        _hit_sql(dialect()), [bucket, start, bucket, start - window_seconds]
    )
    return Usage(rows[0]["count"], rows[0][_PREVIOUS] or 0, window_seconds, now)


@lru_cache(maxsize=2)
def _hit_sql(dialect: str) -> str:
    table = RateCounter._meta.db_table
    return (
        f'INSERT INTO "{table}" ("bucket", "window_start", "count") '
        f"VALUES ({placeholder(dialect, 1)}, {placeholder(dialect, 2)}, 1) "
        f'ON CONFLICT ("bucket", "window_start") DO UPDATE SET "count" = "{table}"."count" + 1 '
        f'RETURNING "count", {_window_count_sql(dialect, 3)} AS "{_PREVIOUS}"'
    )


async def clear(bucket: str, window_seconds: int) -> None:
    """Forget the bucket's events of the current and the previous window."""
    start = _window_start(window_seconds, time.time())
    await RateCounter.filter(bucket=bucket, window_start__gte=start - window_seconds).delete()
