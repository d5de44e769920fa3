"""Fixed-window counters in the database, shared by every server process."""

from __future__ import annotations

import time
from typing import Any

from core.database import add_to_row
from models.throttling import RateCounter


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
