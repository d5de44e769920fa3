"""The monthly quota of marketing messages by plan (Basic 0, Plus 30, Premium 300).

A month is a calendar month of the store's time zone. Messages are reserved with one
conditional update of the month's counter (``used + n <= limit``), so of racing
campaigns that together exceed the quota, the ones that would pass it are refused
and the total never does. Transactional messages (order ready, transfers, tier
changes) do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.expressions import F

from core.database import dialect
from models.messages import MessageQuota
from models.stores import Plan, Store
from resolvers.messages.errors import MessageQuotaExceeded

MONTHLY_LIMIT = {Plan.BASIC: 0, Plan.PLUS: 30, Plan.PREMIUM: 300}


@dataclass(frozen=True)
class QuotaState:
    month: str
    monthly_limit: int
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int:
        return max(self.monthly_limit - self.used, 0)


def month_of(moment: datetime, time_zone: str) -> str:
    return moment.astimezone(ZoneInfo(time_zone)).strftime("%Y-%m")


def month_end(month: str, time_zone: str) -> datetime:
    """The first instant of the month after ``month`` in the store's time zone, in UTC."""
    year, number = (int(part) for part in month.split("-"))
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    start = datetime(year, number, 1).date()
    return datetime.combine(start, time(), ZoneInfo(time_zone)).astimezone(UTC)


async def state(store: Store, month: str) -> QuotaState:
    used: list[Any] = await MessageQuota.filter(store_id=store.id, month=month).values_list(
        "used", flat=True
    )
    return QuotaState(
        month=month,
        monthly_limit=MONTHLY_LIMIT[store.plan],
        used=int(used[0]) if used else 0,
        resets_at=month_end(month, store.time_zone),
    )


async def _ensure_row(store_id: int, month: str) -> None:
    """Insert the month's counter unless it exists, without failing a racing insert."""
    if dialect() == "postgres":
        await MessageQuota.bulk_create(
            [MessageQuota(store_id=store_id, month=month, used=0)], ignore_conflicts=True
        )
    elif not await MessageQuota.exists(store_id=store_id, month=month):
        await MessageQuota.create(store_id=store_id, month=month, used=0)


async def reserve(store: Store, month: str, count: int) -> QuotaState:
    """Take ``count`` messages of the month, or raise ``MessageQuotaExceeded``.
    Call it inside the write transaction that records what the messages are for."""
    limit = MONTHLY_LIMIT[store.plan]
    if count <= 0:
        return await state(store, month)
    await _ensure_row(store.id, month)
    taken = await MessageQuota.filter(
        store_id=store.id, month=month, used__lte=limit - count
    ).update(used=F("used") + count)
    if not taken:
        now = await state(store, month)
        raise MessageQuotaExceeded(
            f"The {store.plan.value} plan sends {limit} marketing messages a month; "
            f"{now.remaining} are left for {month} and this needs {count}.",
            remaining=now.remaining,
            requested=count,
            monthly_limit=limit,
        )
    return await state(store, month)


async def release(store_id: int, month: str, count: int) -> None:
    """Give back messages that will not be sent (a cancelled campaign, a withdrawn consent)."""
    if count > 0:
        await MessageQuota.filter(store_id=store_id, month=month, used__gte=count).update(
            used=F("used") - count
        )
