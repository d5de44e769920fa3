"""Finding customers by phone or name, limited per account and per partner key.

Staff see names and phones masked; without a limit, stepping a lookup through the hidden
digits or syllables would unmask them. Only misses count: a lookup that found nobody is
counted when it has run, and answered only if its count is within the limit (so aliases of one
request, however concurrently they run, get at most the limit's answers). The point of sale,
which looks up customers who exist, never meets the limit and never writes a counter. Past the
limit every lookup is refused, found or not, so a refusal tells nothing. The counters are rows
of the database, shared by every process. When an account or key reaches the limit, the
store's owners are alerted once per window.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import NoReturn, TypeVar

from core import throttling
from core.context import Context
from core.database import write_transaction
from core.errors import RateLimited
from models.notifications import NotificationKind
from policies.catalogue import OWNER
from resolvers.alerts import raise_alert

T = TypeVar("T")


async def limited(
    ctx: Context, *, store_id: int, find: Callable[[], Awaitable[T]], found: Callable[[T], bool]
) -> T:
    """``find()``, counted as a miss of the caller unless ``found`` says it found someone."""
    principal = await ctx.principal()
    settings = ctx.settings
    window = settings.lookup_window_seconds
    if principal.account_id is not None:
        who, limit = f"account:{principal.account_id}", settings.lookup_misses_per_account
    else:
        who, limit = f"api_key:{principal.api_key_id}", settings.lookup_misses_per_api_key
    bucket = f"lookup:{who}"
    if await throttling.count(bucket, window) >= limit:
        await _refuse(ctx, store_id=store_id, who=who, limit=limit, window=window)
    answer = await find()  # bad input raises here, before anything is counted
    if found(answer):
        return answer
    misses = await throttling.hit(bucket, window)
    if misses > limit:
        await _refuse(ctx, store_id=store_id, who=who, limit=limit, window=window)
    if misses == limit:
        await _alert(ctx, store_id=store_id, who=who, misses=misses, window=window)
    return answer


async def _refuse(ctx: Context, *, store_id: int, who: str, limit: int, window: int) -> NoReturn:
    await _alert(ctx, store_id=store_id, who=who, misses=limit, window=window)
    _, retry_after = throttling.window_of(window)
    raise RateLimited(
        "Too many customer lookups found nobody; wait before looking up more.",
        retry_after=retry_after,
    )


async def _alert(ctx: Context, *, store_id: int, who: str, misses: int, window: int) -> None:
    if await throttling.hit(f"lookup_alerted:{who}:{store_id}", window) != 1:
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
                "limit; further lookups are refused until the window ends.",
            },
            roles=(OWNER,),
        )
