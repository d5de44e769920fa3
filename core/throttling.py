"""Fixed-window counters in the database, shared by every server process."""

from __future__ import annotations

import time
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F

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
    """Count one more event and return the window's total."""
    start, _ = window_of(window_seconds)
    updated = await RateCounter.filter(bucket=bucket, window_start=start).update(
        count=F("count") + 1
    )
    if not updated:
        try:
            await RateCounter.create(bucket=bucket, window_start=start, count=1)
            return 1
        except IntegrityError:
            await RateCounter.filter(bucket=bucket, window_start=start).update(count=F("count") + 1)
    return await count(bucket, window_seconds)


async def clear(bucket: str, window_seconds: int) -> None:
    start, _ = window_of(window_seconds)
    await RateCounter.filter(bucket=bucket, window_start=start).delete()
