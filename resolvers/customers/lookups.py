"""Finding customers by phone or name, limited per account and per partner key.

Staff see names and phones masked; without a limit, stepping a lookup through the hidden
digits or syllables would unmask them. Only misses count: a lookup that found nobody is
counted when it has run, and answered only if its count is within the limit (so aliases of one
request, however concurrently they run, get at most the limit's answers). The point of sale,
which looks up customers who exist, never meets the limit and never writes a counter. Past the
limit every lookup is refused, found or not, so a refusal tells nothing. The counters are rows
of the database, shared by every process, and the limit slides (``core.throttling``). When an
account or key reaches the limit, the store's owners are alerted once per window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

from tortoise.models import Model

from core import throttling
from core.context import Context
from core.database import write_transaction
from core.errors import RateLimited
from models.notifications import NotificationKind
from policies.catalogue import OWNER
from resolvers.alerts import raise_alert

T = TypeVar("T")
M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Limit:
    who: str
    bucket: str
    misses: int
    window: int


async def limited(
    ctx: Context, *, store_id: int, find: Callable[[], Awaitable[T]], found: Callable[[T], bool]
) -> T:
    """``find()``, counted as a miss of the caller unless ``found`` says it found someone."""
    limit = await _limit_of(ctx)
    usage = await throttling.count(limit.bucket, limit.window)
    if usage.total >= limit.misses:
        await _refuse(ctx, store_id=store_id, limit=limit, usage=usage)
    answer = await find()  # bad input raises here, before anything is counted
    if not found(answer):
        await _missed(ctx, store_id=store_id, limit=limit)
    return answer


async def limited_row(
    ctx: Context, *, store_id: int, model: type[M], where: Mapping[str, Any]
) -> M | None:
    """``limited`` for the one row of a unique key: the count and the row in one statement."""
    limit = await _limit_of(ctx)
    usage, row = await throttling.count_beside(limit.bucket, limit.window, model, where)
    if usage.total >= limit.misses:
        await _refuse(ctx, store_id=store_id, limit=limit, usage=usage)
    if row is None:
        await _missed(ctx, store_id=store_id, limit=limit)
    return row


async def _limit_of(ctx: Context) -> _Limit:
    principal = await ctx.principal()
    settings = ctx.settings
    if principal.account_id is not None:
        who, misses = f"account:{principal.account_id}", settings.lookup_misses_per_account
    else:
        who, misses = f"api_key:{principal.api_key_id}", settings.lookup_misses_per_api_key
    return _Limit(who, f"lookup:{who}", misses, settings.lookup_window_seconds)


async def _missed(ctx: Context, *, store_id: int, limit: _Limit) -> None:
    usage = await throttling.hit(limit.bucket, limit.window)
    if usage.total > limit.misses:
        await _refuse(ctx, store_id=store_id, limit=limit, usage=usage)
    if usage.total == limit.misses:
        await _alert(ctx, store_id=store_id, who=limit.who, misses=usage.total, window=limit.window)


async def _refuse(
    ctx: Context, *, store_id: int, limit: _Limit, usage: throttling.Usage
) -> NoReturn:
    await _alert(ctx, store_id=store_id, who=limit.who, misses=limit.misses, window=limit.window)
    raise RateLimited(
        "Too many customer lookups found nobody; wait before looking up more.",
        retry_after=usage.retry_after(limit.misses),
    )


async def _alert(ctx: Context, *, store_id: int, who: str, misses: int, window: int) -> None:
    # Once per fixed window: the first alert of a window is the one counted 1.
    if (await throttling.hit(f"lookup_alerted:{who}:{store_id}", window)).current != 1:
        return
    kind, _, pk = who.partition(":")
    async with write_transaction():
        await raise_alert(
            ctx,
            store_id=store_id,
            kind=NotificationKind.LOOKUP_MISSES,
            payload={
                f"{kind}_id": int(pk),
                "misses": misses,
                "window_seconds": window,
                "message": "Customer lookups by phone or name that found nobody reached the "
                "limit; further lookups are refused until the older misses age out of the window.",
            },
            roles=(OWNER,),
        )
