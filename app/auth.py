"""Turning an ``Authorization`` header into a principal."""

from __future__ import annotations

from datetime import datetime, timezone

from app import throttling
from app.security import InvalidAccessToken, same_digest
from app.services import Services
from models.accounts import Account, Session
from models.api_keys import ApiKey
from policies.enforcement import Principal
from resolvers.errors import RateLimited, Unauthenticated

API_KEY_PREFIX = "dgl_"


def bearer_credential(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    return credential.strip()


async def authenticate(services: Services, credential: str) -> tuple[Principal, Account | None]:
    """The principal, and the signed-in account (loaded anyway, so callers need not load it again)."""
    if credential.startswith(API_KEY_PREFIX):
        return await _authenticate_api_key(services, credential), None
    return await _authenticate_access_token(services, credential)


async def _authenticate_access_token(
    services: Services, token: str
) -> tuple[Principal, Account]:
    try:
        claims = services.tokens.verify(token)
    except InvalidAccessToken as exc:
        raise Unauthenticated("The access token is invalid or has expired.") from exc
    session = await Session.get_or_none(id=claims.session_id).select_related("account")
    if (
        session is None
        or session.revoked_at is not None
        or session.account_id != claims.account_id  # type: ignore[attr-defined]
        or not session.account.is_active
    ):
        raise Unauthenticated("The session has ended; sign in again.")
    return Principal(account_id=claims.account_id), session.account


def split_api_key(credential: str) -> tuple[str, str] | None:
    body = credential.removeprefix(API_KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    if not prefix or not secret:
        return None
    return prefix, secret


async def _authenticate_api_key(services: Services, credential: str) -> Principal:
    parts = split_api_key(credential)
    key = await ApiKey.get_or_none(prefix=parts[0]) if parts else None
    if key is None or key.revoked_at is not None or not same_digest(credential, key.secret_hash):
        raise Unauthenticated("The API key is invalid or has been revoked.")
    limit = services.settings.api_key_requests_per_minute
    used = await throttling.hit(f"api_key:{key.id}", 60)
    if used > limit:
        _, retry_after = throttling.window_of(60)
        raise RateLimited(
            f"This API key may make {limit} requests a minute.", retryAfter=retry_after
        )
    return Principal(
        api_key_id=key.id,
        api_key_store_id=key.store_id,  # type: ignore[attr-defined]
        api_key_actions=frozenset(key.actions),
    )


def now() -> datetime:
    return datetime.now(timezone.utc)
