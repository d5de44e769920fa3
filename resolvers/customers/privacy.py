"""Who sees customers' names and phones whole, and the audit of each reveal."""

from __future__ import annotations

from core.context import Context
from resolvers import audit

REVEAL_ACTION = "customers.reveal_pii"


async def reveals(ctx: Context, store_id: int, *, reason: str = "view") -> bool:
    """Whether this caller sees PII whole in the store; audited once per request and store."""
    return await ctx.loaders.once(
        ("pii_revealed", store_id), lambda: _decide(ctx, store_id, reason)
    )


def revealed(ctx: Context, store_id: int) -> bool | None:
    """What ``reveals`` decided earlier in this request, without waiting; None: not decided yet.

    A list that shows names decides once before its rows, so each row's fields stay plain calls.
    """
    decided = ctx.loaders.decided(("pii_revealed", store_id))
    return None if decided is None else bool(decided)


async def _decide(ctx: Context, store_id: int, reason: str) -> bool:
    principal = await ctx.principal()
    policy = await ctx.current_policy()
    allowed = policy.allows(principal, REVEAL_ACTION, store_id)
    if allowed:
        # one INSERT, atomic by itself: a transaction around it would only add BEGIN and COMMIT
        await audit.record(
            ctx,
            store_id=store_id,
            action=REVEAL_ACTION,
            target_type="store",
            target_id=store_id,
            after={"reason": reason},
        )
    return allowed
