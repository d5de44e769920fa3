"""Sign-in, rotating refresh tokens, sign-out and the signed-in account."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from core import throttling
from core.context import Context
from core.database import write_transaction
from core.errors import InvalidCredentials, InvalidInput, InvalidRefreshToken, RateLimited
from core.security import digest, new_secret
from models.accounts import Account, RefreshToken, Session

MIN_PASSWORD_LENGTH = 10


@dataclass(frozen=True)
class IssuedTokens:
    account: Account
    access_token: str
    refresh_token: str
    expires_in: int


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> datetime:
    return datetime.now(UTC)


async def login(ctx: Context, *, email: str, password: str) -> IssuedTokens:
    settings = ctx.settings
    email = normalise_email(email)
    window = settings.login_window_seconds
    buckets = {
        f"login:account:{email}": settings.login_failures_per_account,
        f"login:address:{ctx.client_address}": settings.login_failures_per_address,
    }
    for bucket, limit in buckets.items():
        usage = await throttling.count(bucket, window)
        if usage.total >= limit:
            raise RateLimited(
                "Too many failed sign-ins; wait before trying again.",
                retry_after=usage.retry_after(limit),
            )
    account = await Account.get_or_none(email=email)
    matches = await asyncio.to_thread(
        ctx.services.passwords.verify, account.password_hash if account else None, password
    )
    if account is None or not matches or not account.is_active:
        for bucket in buckets:
            await throttling.hit(bucket, window)
        raise InvalidCredentials("The email or password is incorrect.")
    await throttling.clear(f"login:account:{email}", window)
    async with write_transaction():
        session = await Session.create(
            id=uuid.uuid4(),
            account=account,
            expires_at=_now() + timedelta(days=settings.refresh_token_days),
        )
        refresh_token = await _new_refresh_token(session)
    return _issued(ctx, account, session, refresh_token)


async def refresh(ctx: Context, *, refresh_token: str) -> IssuedTokens:
    reused = False
    async with write_transaction():
        row = await RefreshToken.get_or_none(token_hash=digest(refresh_token)).select_related(
            "session__account"
        )
        if row is None:
            raise InvalidRefreshToken("The refresh token is not valid.")
        session = row.session
        if (
            session.revoked_at is not None
            or session.expires_at <= _now()
            or not session.account.is_active
        ):
            raise InvalidRefreshToken("The session has ended; sign in again.")
        claimed = await RefreshToken.filter(id=row.id, used_at=None).update(used_at=_now())
        if not claimed:
            # A rotated token came back: someone holds a copy. End the whole family.
            await Session.filter(id=session.id).update(
                revoked_at=_now(), revoked_reason="refresh_token_reused"
            )
            reused = True
        else:
            new_token = await _new_refresh_token(session)
    if reused:
        raise InvalidRefreshToken(
            "This refresh token was already used; the session has been ended for safety."
        )
    return _issued(ctx, session.account, session, new_token)


async def logout(ctx: Context, *, refresh_token: str) -> None:
    async with write_transaction():
        row = await RefreshToken.get_or_none(token_hash=digest(refresh_token))
        if row is None:
            raise InvalidRefreshToken("The refresh token is not valid.")
        await Session.filter(id=row.session_id, revoked_at=None).update(
            revoked_at=_now(), revoked_reason="logout"
        )


async def change_password(ctx: Context, *, current_password: str, new_password: str) -> Account:
    principal = await ctx.principal()
    account = await Account.get(id=principal.account_id)
    if not await asyncio.to_thread(
        ctx.services.passwords.verify, account.password_hash, current_password
    ):
        raise InvalidCredentials("The current password is incorrect.", field="current_password")
    validate_password(new_password, field="new_password")
    password_hash = await asyncio.to_thread(ctx.services.passwords.hash, new_password)
    async with write_transaction():
        await Account.filter(id=account.id).update(password_hash=password_hash)
        await Session.filter(account_id=account.id, revoked_at=None).update(
            revoked_at=_now(), revoked_reason="password_changed"
        )
    account.password_hash = password_hash
    return account


def validate_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"A password needs at least {MIN_PASSWORD_LENGTH} characters.", field=field
        )


async def _new_refresh_token(session: Session) -> str:
    token = new_secret()
    await RefreshToken.create(session=session, token_hash=digest(token))
    return token


def _issued(ctx: Context, account: Account, session: Session, refresh_token: str) -> IssuedTokens:
    tokens = ctx.services.tokens
    return IssuedTokens(
        account=account,
        access_token=tokens.issue(account.id, session.id),
        refresh_token=refresh_token,
        expires_in=tokens.lifetime_seconds,
    )
