"""Access-policy administration: grants, revocations, role assignments and explanations.

Every change writes its rules, bumps the policy version and records an audit
entry in one transaction; the in-memory policy reloads after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotDelegable, NotFound
from models.accounts import Account
from models.policies import CasbinRule, OfferedDefaultRule, PolicyVersion
from models.stores import Membership, Store
from policies.adapter import TortoiseAdapter
from policies.catalogue import (
    ADMIN,
    ALL_STORES,
    DELEGABLE,
    OWNER,
    PARTNER,
    ROLES,
    STORE_ROLES,
    account_subject,
    actions,
    default_rules,
    domain_of,
    store_domain,
)
from policies.enforcement import Decision
from resolvers import audit
from resolvers.roles import add_role, bump_version, ensure_owner_remains

ALLOW = "allow"
DENY = "deny"
GRANTABLE_ROLES = (*ROLES, DELEGABLE)
STORE_CUSTOMISABLE_ROLES = ("manager", "staff", PARTNER)

_adapter = TortoiseAdapter()


@dataclass(frozen=True)
class RoleActions:
    role: str
    actions: list[str]


@dataclass(frozen=True)
class RoleAssignment:
    account_id: int
    role: str
    store_id: int | None


@dataclass(frozen=True)
class AccessPolicy:
    store_id: int | None
    roles: list[RoleActions]
    assignments: list[RoleAssignment]
    version: int


async def install_default_policy() -> bool:
    """Give the database the default rules it has not been offered yet; whether there were any.

    An empty database gets the whole default policy. One installed earlier gets the rules
    added to the default policy since (a new feature's actions), once: a rule an admin has
    revoked after it was offered is not offered again.
    """
    defaults = {_key(rule): rule for rule in default_rules()}
    async with write_transaction():
        recorded: list[Any] = await OfferedDefaultRule.all().values_list("rule", flat=True)
        offered = set(recorded)
        held = {_key(rule) for rule in await _held_rules()}
        if not offered and held:
            # Installed before offers were recorded: what it holds of the defaults was offered.
            offered = held & set(defaults)
            await OfferedDefaultRule.bulk_create([OfferedDefaultRule(rule=k) for k in offered])
        new = [key for key in defaults if key not in offered]
        if not new:
            return False
        await CasbinRule.bulk_create(
            [
                CasbinRule(ptype=defaults[key][0], **_values(defaults[key][1:]))
                for key in new
                if key not in held
            ]
        )
        await OfferedDefaultRule.bulk_create([OfferedDefaultRule(rule=key) for key in new])
        await PolicyVersion.get_or_create(id=1, defaults={"version": 1})
        await bump_version()
    return True


def _key(rule: list[str]) -> str:
    return ", ".join(part for part in rule if part)


async def _held_rules() -> list[list[str]]:
    rows = await CasbinRule.all().values_list("ptype", "v0", "v1", "v2", "v3", "v4", "v5")
    return [list(row) for row in rows]


def _values(rule: list[str]) -> dict[str, str]:
    return {f"v{index}": value for index, value in enumerate(rule)}


def _check_action(action: str) -> None:
    if action not in actions():
        raise InvalidInput(f"Unknown action {action!r}.", field="action")


async def _check_store(store_id: int | None) -> None:
    if store_id is not None and not await Store.exists(id=store_id):
        raise NotFound("No such store.", field="store_id")


async def _check_delegation(ctx: Context, role: str, action: str, store_id: int | None) -> None:
    """Platform-wide policy editors may change anything; an owner only what they may delegate."""
    principal = await ctx.principal()
    policy = await ctx.current_policy()
    if policy.allows(principal, "policy.grant", None):
        if store_id is not None and role in (ADMIN, DELEGABLE):
            raise InvalidInput(f"The role {role!r} is platform-wide.", field="role")
        return
    if store_id is None:
        raise NotDelegable("Only platform administrators change the policy of every store.")
    if role not in STORE_CUSTOMISABLE_ROLES:
        raise NotDelegable(f"The role {role!r} cannot be customised by a store.", field="role")
    if not policy.is_delegable(action) or not policy.allows(principal, action, store_id):
        raise NotDelegable(
            f"The action {action!r} is not one you may delegate in this store.", field="action"
        )


async def _checked_domain(ctx: Context, *, role: str, action: str, store_id: int | None) -> str:
    _validate_role(role)
    _check_action(action)
    await _check_store(store_id)
    await _check_delegation(ctx, role, action, store_id)
    return domain_of(store_id)


async def _record(
    ctx: Context,
    *,
    action: str,
    store_id: int | None,
    target_type: str,
    target_id: object,
    before: Any = None,
    after: Any = None,
) -> None:
    """Inside the change's transaction: other processes reload, and the log says who did it."""
    await bump_version()
    await audit.record(
        ctx,
        store_id=store_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=before,
        after=after,
    )


async def _answer(ctx: Context, store_id: int | None) -> AccessPolicy:
    """The policy as changed: this process reloads before answering."""
    await ctx.services.policy.sync()
    return await access_policy(ctx, store_id=store_id)


async def grant(ctx: Context, *, role: str, action: str, store_id: int | None) -> AccessPolicy:
    domain = await _checked_domain(ctx, role=role, action=action, store_id=store_id)
    async with write_transaction():
        await _adapter.remove_policy("p", "p", [role, domain, action, DENY])
        if store_id is None or not await _grants_everywhere(role, action):
            await _adapter.add_policy("p", "p", [role, domain, action, ALLOW])
        await _record(
            ctx,
            action="policy.grant",
            store_id=store_id,
            target_type="role",
            target_id=role,
            after={"role": role, "action": action, "domain": domain},
        )
    return await _answer(ctx, store_id)


async def revoke(ctx: Context, *, role: str, action: str, store_id: int | None) -> AccessPolicy:
    domain = await _checked_domain(ctx, role=role, action=action, store_id=store_id)
    async with write_transaction():
        await _adapter.remove_policy("p", "p", [role, domain, action, ALLOW])
        if store_id is not None and await _grants_everywhere(role, action):
            await _adapter.add_policy("p", "p", [role, domain, action, DENY])
        await _record(
            ctx,
            action="policy.revoke",
            store_id=store_id,
            target_type="role",
            target_id=role,
            before={"role": role, "action": action, "domain": domain},
        )
    return await _answer(ctx, store_id)


async def _grants_everywhere(role: str, action: str) -> bool:
    return await CasbinRule.exists(ptype="p", v0=role, v1=ALL_STORES, v2=action, v3=ALLOW)


def _validate_role(role: str, allowed: tuple[str, ...] = GRANTABLE_ROLES) -> None:
    if role not in allowed:
        raise InvalidInput(f"Unknown role {role!r}; one of: {', '.join(allowed)}.", field="role")


async def assign_role(
    ctx: Context, *, account_id: int, role: str, store_id: int | None
) -> AccessPolicy:
    if store_id is None:
        _validate_role(role, (ADMIN,))
    else:
        _validate_role(role, STORE_ROLES)
    await _check_store(store_id)
    if not await Account.exists(id=account_id):
        raise NotFound("No such account.", field="account_id")
    async with write_transaction():
        await add_role(account_id, role, store_id)
        if store_id is not None:
            await Membership.update_or_create(
                store_id=store_id,
                account_id=account_id,
                defaults={"is_active": True, "deactivated_at": None},
            )
        await _record(
            ctx,
            action="policy.assign_role",
            store_id=store_id,
            target_type="account",
            target_id=account_id,
            after={"role": role},
        )
    return await _answer(ctx, store_id)


async def unassign_role(
    ctx: Context, *, account_id: int, role: str, store_id: int | None
) -> AccessPolicy:
    await _check_store(store_id)
    domain = domain_of(store_id)
    async with write_transaction():
        if store_id is not None and role == OWNER:
            await ensure_owner_remains(store_id, losing=account_id)
        removed = await CasbinRule.filter(
            ptype="g", v0=account_subject(account_id), v1=role, v2=domain
        ).delete()
        if not removed:
            raise NotFound("The account does not hold that role there.", field="role")
        await _record(
            ctx,
            action="policy.unassign_role",
            store_id=store_id,
            target_type="account",
            target_id=account_id,
            before={"role": role},
        )
    return await _answer(ctx, store_id)


async def access_policy(ctx: Context, *, store_id: int | None) -> AccessPolicy:
    """The roles' effective actions (everywhere, or in one store) and who holds which role."""
    policy = await ctx.current_policy()
    roles = []
    for role in GRANTABLE_ROLES:
        subject_domain = domain_of(store_id)
        granted = sorted(
            action for action in actions() if policy.enforce(role, subject_domain, action)
        )
        roles.append(RoleActions(role=role, actions=granted))
    wanted = {ALL_STORES} if store_id is None else {store_domain(store_id)}
    assignments = [
        RoleAssignment(
            account_id=int(subject.removeprefix("account:")),
            role=role,
            store_id=None if domain == ALL_STORES else int(domain.removeprefix("store:")),
        )
        for subject, role, domain, *_ in policy.assignments()
        if (store_id is None or domain in wanted) and subject.startswith("account:")
    ]
    return AccessPolicy(
        store_id=store_id, roles=roles, assignments=assignments, version=policy.version or 0
    )


async def explain(ctx: Context, *, account_id: int, store_id: int | None, action: str) -> Decision:
    _check_action(action)
    policy = await ctx.current_policy()
    return policy.explain(account_subject(account_id), store_id, action)
