"""Who holds which role in which store: the role rows of the policy, and the last-owner rule.

Staff changes and policy administration both change role rows; they share these.
"""

from __future__ import annotations

from typing import Any

from tortoise.expressions import F

from core.database import lock_rows
from core.errors import LastOwner
from models.policies import CasbinRule, PolicyVersion
from models.stores import Store
from policies.adapter import TortoiseAdapter
from policies.catalogue import OWNER, account_subject, domain_of, store_domain

_adapter = TortoiseAdapter()


async def bump_version() -> None:
    updated = await PolicyVersion.filter(id=1).update(version=F("version") + 1)
    if not updated:
        await PolicyVersion.create(id=1, version=1)


async def add_role(account_id: int, role: str, store_id: int | None) -> bool:
    domain = domain_of(store_id)
    return await _adapter.add_policy("g", "g", [account_subject(account_id), role, domain])


async def remove_roles(account_id: int, store_id: int, role: str | None = None) -> int:
    filters = {"v0": account_subject(account_id), "v2": store_domain(store_id)}
    if role is not None:
        filters["v1"] = role
    return await CasbinRule.filter(ptype="g", **filters).delete()


async def store_role_of(account_id: int, store_id: int) -> list[str]:
    """Roles read from the database, for decisions that must hold under concurrency."""
    roles: list[Any] = await CasbinRule.filter(
        ptype="g", v0=account_subject(account_id), v2=store_domain(store_id)
    ).values_list("v1", flat=True)
    return roles


async def owner_count(store_id: int) -> int:
    return await CasbinRule.filter(ptype="g", v1=OWNER, v2=store_domain(store_id)).count()


async def lock_store(store_id: int) -> None:
    """Serialise staff changes of one store."""
    await lock_rows(Store, id=store_id)


async def ensure_owner_remains(store_id: int, *, losing: int) -> None:
    await lock_store(store_id)
    if OWNER in await store_role_of(losing, store_id) and await owner_count(store_id) <= 1:
        raise LastOwner("A store keeps at least one owner.")
