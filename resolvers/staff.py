"""A store's staff: invitations, role changes and deactivation, never beyond the own store."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.exceptions import DoesNotExist

from core.context import Context
from core.database import write_transaction
from core.errors import AlreadyExists, InvalidInput, NotFound, UserError
from core.security import digest
from models.accounts import Account, Session
from models.audit import AuditEntry
from models.policies import CasbinRule
from models.stores import InvitationStatus, Membership, StaffInvitation, Store
from policies.catalogue import ADMIN, ALL_STORES, OWNER, STORE_ROLES, account_subject
from resolvers import audit
from resolvers.accounts import normalise_email, validate_password
from resolvers.roles import (
    add_role,
    bump_version,
    ensure_owner_remains,
    remove_roles,
    store_role_of,
)

EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVITATION_DAYS = 14


class PlatformAdminCannotJoin(UserError):
    """A platform admin acts in every store already; a store cannot make them its staff."""

    code = "PLATFORM_ADMIN_CANNOT_JOIN"


class InvitationNeedsSignIn(UserError):
    """The invited email has an account: its holder signs in and accepts the invitation."""

    code = "INVITATION_NEEDS_SIGN_IN"


@dataclass(frozen=True)
class SentInvitation:
    invitation: StaffInvitation
    code: str


@dataclass(frozen=True)
class AnsweredInvitation:
    invitation: StaffInvitation
    membership: Membership | None


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    account: Account
    temporary_password: str | None


def _checked_person(email: str, name: str) -> tuple[str, str]:
    email = normalise_email(email)
    if not EMAIL_PATTERN.match(email) or len(email) > 254:
        raise InvalidInput("That is not an email address.", field="email")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("A name of 1 to 100 characters is needed.", field="name")
    return email, name


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
    email, name = _checked_person(email, name)
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
) -> SentInvitation:
    """A pending invitation of ``email`` to the store, whether or not the email has an account.

    Nothing about an existing account changes or shows: not its name, not whether it
    exists, not its state. Only the email's holder answers the invitation (``accept``,
    ``decline``; ``join`` creates the account when there is none). The code is shown once
    to the inviter, who hands it over. Inviting the same email again replaces the
    pending invitation.
    """
    _check_role(role)
    email, name = _checked_person(email, name)
    code = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    async with write_transaction():
        store = await Store.get_or_none(id=store_id)
        if store is None:
            raise NotFound("No such store.", field="store_id")
        member = await Membership.filter(
            store_id=store_id, account__email=email, is_active=True
        ).first()
        if member is not None:  # the store sees its own staff anyway
            raise AlreadyExists(
                "That account is already on this store's staff.",
                field="email",
                membership_id=member.id,
            )
        await StaffInvitation.filter(
            store_id=store_id, email=email, status=InvitationStatus.PENDING
        ).update(status=InvitationStatus.REPLACED, answered_at=now)
        invitation = await StaffInvitation.create(
            store_id=store_id,
            email=email,
            name=name,
            role=role,
            code_digest=digest(code),
            invited_by_id=(await ctx.principal()).account_id,
            expires_at=now + timedelta(days=INVITATION_DAYS),
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="staff.invite",
            target_type="staff_invitation",
            target_id=invitation.id,
            after={"email": email, "role": role},
        )
    return SentInvitation(invitation=invitation, code=code)


async def invitations_of(account_id: int) -> list[StaffInvitation]:
    """The pending invitations addressed to the account's email, newest first."""
    account = await Account.get(id=account_id)
    return await StaffInvitation.filter(
        email=account.email,
        status=InvitationStatus.PENDING,
        expires_at__gt=datetime.now(UTC),
    ).order_by("-id")


async def _pending(
    invitation_id: int | None = None, *, code: str | None = None, email: str | None = None
) -> StaffInvitation:
    """A pending invitation, locked; NotFound for any other (or another email's)."""
    query = StaffInvitation.filter(
        status=InvitationStatus.PENDING, expires_at__gt=datetime.now(UTC)
    )
    if invitation_id is not None:
        query = query.filter(id=invitation_id)
    if code is not None:
        query = query.filter(code_digest=digest(code))
    if email is not None:
        query = query.filter(email=email)
    found = await query.select_for_update().first()
    if found is None:
        raise NotFound("No such invitation, or it was answered or has expired.", field="invitation")
    return found


async def _join(
    ctx: Context, invitation: StaffInvitation, account: Account, now: datetime
) -> Membership:
    """Inside the caller's transaction: the account joins the staff in the invited role."""
    if await CasbinRule.exists(ptype="g", v0=account_subject(account.id), v1=ADMIN):
        raise PlatformAdminCannotJoin(
            "A platform admin acts in every store already and joins none.", field="invitation_id"
        )
    membership = await Membership.get_or_none(store_id=invitation.store_id, account_id=account.id)
    if membership is None:
        membership = await Membership.create(
            store_id=invitation.store_id,
            account_id=account.id,
            invited_by_id=invitation.invited_by_id,
        )
    elif not membership.is_active:
        membership.is_active = True
        membership.deactivated_at = None
        await membership.save(update_fields=["is_active", "deactivated_at"])
    await remove_roles(account.id, invitation.store_id)
    await add_role(account.id, invitation.role, invitation.store_id)
    await bump_version()
    invitation.status = InvitationStatus.ACCEPTED
    invitation.answered_at = now
    await invitation.save(update_fields=["status", "answered_at"])
    await AuditEntry.create(
        store_id=invitation.store_id,
        actor_account_id=account.id,
        action="staff.join",
        target_type="membership",
        target_id=str(membership.id),
        after={"account": account.id, "role": invitation.role, "invitation": invitation.id},
    )
    return membership


async def accept(ctx: Context, *, invitation_id: int) -> AnsweredInvitation:
    """The signed-in account accepts an invitation addressed to its email."""
    account = await Account.get(id=(await ctx.principal()).account_id)
    async with write_transaction():
        invitation = await _pending(invitation_id, email=account.email)
        membership = await _join(ctx, invitation, account, datetime.now(UTC))
    await ctx.services.policy.sync()
    return AnsweredInvitation(invitation=invitation, membership=membership)


async def decline(ctx: Context, *, invitation_id: int) -> AnsweredInvitation:
    account = await Account.get(id=(await ctx.principal()).account_id)
    async with write_transaction():
        invitation = await _pending(invitation_id, email=account.email)
        invitation.status = InvitationStatus.DECLINED
        invitation.answered_at = datetime.now(UTC)
        await invitation.save(update_fields=["status", "answered_at"])
    return AnsweredInvitation(invitation=invitation, membership=None)


async def join(ctx: Context, *, code: str, password: str) -> AnsweredInvitation:
    """Whoever holds the code of an invitation whose email has no account creates it here.

    An email that has an account is never touched from here: its holder signs in and
    accepts (``InvitationNeedsSignIn``), so the code cannot set an existing account's password.
    """
    validate_password(password)
    password_hash = await asyncio.to_thread(ctx.services.passwords.hash, password)
    now = datetime.now(UTC)
    async with write_transaction():
        invitation = await _pending(code=code)
        if await Account.exists(email=invitation.email):
            raise InvitationNeedsSignIn(
                "This email has an account: sign in and accept the invitation from your "
                "invitations.",
                field="invitation_code",
            )
        account = await Account.create(
            email=invitation.email, name=invitation.name, password_hash=password_hash
        )
        membership = await _join(ctx, invitation, account, now)
    await ctx.services.policy.sync()
    return AnsweredInvitation(invitation=invitation, membership=membership)


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
