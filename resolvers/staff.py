"""A store's staff: invitations, role changes and deactivation, never beyond the own store."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from tortoise.exceptions import DoesNotExist

from core.context import Context
from core.database import write_transaction
from core.errors import AlreadyExists, InvalidInput, NotFound
from models.accounts import Account, Session
from models.policies import CasbinRule
from models.stores import Membership, Store
from policies.catalogue import ALL_STORES, OWNER, STORE_ROLES, account_subject
from resolvers import audit
from resolvers.accounts import normalise_email
from resolvers.roles import (
    add_role,
    bump_version,
    ensure_owner_remains,
    remove_roles,
    store_role_of,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    account: Account
    temporary_password: str | None


def _check_role(role: str) -> None:
    if role not in STORE_ROLES:
        raise InvalidInput(f"role must be one of {', '.join(STORE_ROLES)}.", field="role")


async def invite(
    ctx: Context,
    *,
    store: Store,
    email: str,
    name: str,
    role: str,
    audited: bool = True,
) -> Invitation:
    """Add an account to the store's staff, creating the account if it is new.

    A new account gets a temporary password, shown once, to change at first sign-in.
    Runs inside the caller's transaction when there is one.
    """
    _check_role(role)
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput("That is not an email address.", field="email")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("A name of 1 to 100 characters is needed.", field="name")
    temporary_password = None
    account = await Account.get_or_none(email=email)
    if account is None:
        temporary_password = secrets.token_urlsafe(12)
        password_hash = await asyncio.to_thread(ctx.services.passwords.hash, temporary_password)
    async with write_transaction():
        if account is None:
            account = await Account.create(email=email, name=name, password_hash=password_hash)
        membership = await Membership.get_or_none(store_id=store.id, account_id=account.id)
        if membership is not None and membership.is_active:
            raise AlreadyExists(
                "That account is already on this store's staff.",
                field="email",
                membership_id=membership.id,
            )
        if membership is None:
            membership = await Membership.create(
                store_id=store.id,
                account_id=account.id,
                invited_by_id=(await ctx.principal()).account_id,
            )
        else:
            membership.is_active = True
            membership.deactivated_at = None
            await membership.save(update_fields=["is_active", "deactivated_at"])
        if not account.is_active:
            await Account.filter(id=account.id).update(is_active=True)
            account.is_active = True
        await remove_roles(account.id, store.id)
        await add_role(account.id, role, store.id)
        await bump_version()
        if audited:
            await audit.record(
                ctx,
                store_id=store.id,
                action="staff.invite",
                target_type="membership",
                target_id=membership.id,
                after={"account": account.id, "email": email, "role": role},
            )
    return Invitation(membership=membership, account=account, temporary_password=temporary_password)


async def invite_staff(
    ctx: Context, *, store_id: int, email: str, name: str, role: str
) -> Invitation:
    store = await Store.get_or_none(id=store_id)
    if store is None:
        raise NotFound("No such store.", field="store_id")
    invitation = await invite(ctx, store=store, email=email, name=name, role=role)
    await ctx.services.policy.sync()
    return invitation


async def _active_membership(membership_id: int) -> Membership:
    try:
        return await Membership.get(id=membership_id, is_active=True)
    except DoesNotExist as exc:
        raise NotFound("No such staff member.", field="membership_id") from exc


async def change_role(ctx: Context, *, membership_id: int, role: str) -> Membership:
    _check_role(role)
    async with write_transaction():
        membership = await _active_membership(membership_id)
        store_id, account_id = membership.store_id, membership.account_id
        before = await store_role_of(account_id, store_id)
        if role != OWNER:
            await ensure_owner_remains(store_id, losing=account_id)
        await remove_roles(account_id, store_id)
        await add_role(account_id, role, store_id)
        await bump_version()
        await audit.record(
            ctx,
            store_id=store_id,
            action="staff.change_role",
            target_type="membership",
            target_id=membership.id,
            before={"roles": sorted(before)},
            after={"roles": [role]},
        )
    await ctx.services.policy.sync()
    return membership


async def deactivate(ctx: Context, *, membership_id: int) -> Membership:
    now = datetime.now(UTC)
    async with write_transaction():
        membership = await _active_membership(membership_id)
        store_id, account_id = membership.store_id, membership.account_id
        before = await store_role_of(account_id, store_id)
        await ensure_owner_remains(store_id, losing=account_id)
        await remove_roles(account_id, store_id)
        membership.is_active = False
        membership.deactivated_at = now
        await membership.save(update_fields=["is_active", "deactivated_at"])
        still_needed = await Membership.exists(account_id=account_id, is_active=True) or (
            await CasbinRule.exists(ptype="g", v0=account_subject(account_id), v2=ALL_STORES)
        )
        if not still_needed:
            await Account.filter(id=account_id).update(is_active=False)
            await Session.filter(account_id=account_id, revoked_at=None).update(
                revoked_at=now, revoked_reason="deactivated"
            )
        await bump_version()
        await audit.record(
            ctx,
            store_id=store_id,
            action="staff.deactivate",
            target_type="membership",
            target_id=membership.id,
            before={"roles": sorted(before), "active": True},
            after={"roles": [], "active": False, "account_deactivated": not still_needed},
        )
    await ctx.services.policy.sync()
    return membership
