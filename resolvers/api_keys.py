"""Partner API keys: scoped to one store and a chosen set of actions, shown once, stored hashed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from core.auth import API_KEY_PREFIX
from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotFound
from core.security import digest, new_secret
from models.api_keys import ApiKey
from policies.catalogue import PARTNER, actions
from resolvers import audit


@dataclass(frozen=True)
class CreatedApiKey:
    api_key: ApiKey
    secret: str


async def create(ctx: Context, *, store_id: int, name: str, granted: list[str]) -> CreatedApiKey:
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("A name of 1 to 100 characters is needed.", field="name")
    wanted = sorted(set(granted))
    if not wanted:
        raise InvalidInput("Choose at least one action for the key.", field="actions")
    unknown = [action for action in wanted if action not in actions()]
    if unknown:
        raise InvalidInput(f"Unknown actions: {', '.join(unknown)}.", field="actions")
    policy = await ctx.current_policy()
    beyond = [
        action for action in wanted if not policy.enforce(PARTNER, f"store:{store_id}", action)
    ]
    if beyond:
        raise InvalidInput(f"Partner keys may not hold: {', '.join(beyond)}.", field="actions")
    prefix = secrets.token_hex(4)
    secret = f"{API_KEY_PREFIX}{prefix}_{new_secret()}"
    async with write_transaction():
        key = await ApiKey.create(
            store_id=store_id,
            name=name,
            prefix=prefix,
            secret_hash=digest(secret),
            actions=wanted,
            created_by_id=(await ctx.principal()).account_id,
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="api_keys.create",
            target_type="api_key",
            target_id=key.id,
            after={"name": name, "prefix": prefix, "actions": wanted},
        )
    return CreatedApiKey(api_key=key, secret=secret)


async def revoke(ctx: Context, *, key_id: int) -> ApiKey:
    async with write_transaction():
        key = await ApiKey.get_or_none(id=key_id)
        if key is None:
            raise NotFound("No such API key.", field="api_key_id")
        if key.revoked_at is None:
            key.revoked_at = datetime.now(UTC)
            await key.save(update_fields=["revoked_at"])
            await audit.record(
                ctx,
                store_id=key.store_id,
                action="api_keys.revoke",
                target_type="api_key",
                target_id=key.id,
                before={"revoked": False},
                after={"revoked": True},
            )
    return key


async def keys_page(*, store_id: int, size: int, after_id: int | None) -> list[ApiKey]:
    """Oldest first; one more than ``size``, to tell whether more exist."""
    query = ApiKey.filter(store_id=store_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)
