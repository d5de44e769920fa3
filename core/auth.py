"""Turning an ``Authorization`` header into a principal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from tortoise.expressions import Subquery
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core import throttling
from core.errors import RateLimited, Unauthenticated
from core.security import AccessTokens, InvalidAccessToken, same_digest
from core.settings import Settings
from models.accounts import Account, Session
from models.api_keys import ApiKey
from models.policies import PolicyVersion
from policies.enforcement import Principal

API_KEY_PREFIX = "dgl_"
M = TypeVar("M", bound=Model)


def bearer_credential(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, credential = header.partition(" ")
    if scheme.lower() != "bearer" or not credential.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
    return credential.strip()


@dataclass(frozen=True)
class Authenticated:
    """Who is asking, and what the same query read on the way, so nobody reads it again."""

    principal: Principal
    account: Account | None
    policy_version: int | None


def _with_policy_version(query: QuerySet[M]) -> QuerySet[M]:
    return query.annotate(policy_version=Subquery(PolicyVersion.filter(id=1).values("version")))


def _policy_version_of(row: Model) -> int | None:
    """The version ``_with_policy_version`` read with the row (an annotation, not a field)."""
    version = getattr(row, "policy_version", None)
    return None if version is None else int(version)


async def authenticate(tokens: AccessTokens, settings: Settings, credential: str) -> Authenticated:
    if credential.startswith(API_KEY_PREFIX):
        return await _authenticate_api_key(settings, credential)
    return await _authenticate_access_token(tokens, credential)


async def _authenticate_access_token(tokens: AccessTokens, token: str) -> Authenticated:
    try:
        claims = tokens.verify(token)
    except InvalidAccessToken as exc:
        raise Unauthenticated("The access token is invalid or has expired.") from exc
    session = await _with_policy_version(
        Session.filter(id=claims.session_id).select_related("account")
    ).first()
    if (
        session is None
        or session.revoked_at is not None
        or session.account_id != claims.account_id
        or not session.account.is_active
    ):
        raise Unauthenticated("The session has ended; sign in again.")
    return Authenticated(
        Principal(account_id=claims.account_id),
        session.account,
        _policy_version_of(session),
    )


def split_api_key(credential: str) -> tuple[str, str] | None:
    body = credential.removeprefix(API_KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    if not prefix or not secret:
        return None
    return prefix, secret


async def _authenticate_api_key(settings: Settings, credential: str) -> Authenticated:
    parts = split_api_key(credential)
    key = await _with_policy_version(ApiKey.filter(prefix=parts[0])).first() if parts else None
    if key is None or key.revoked_at is not None or not same_digest(credential, key.secret_hash):
        raise Unauthenticated("The API key is invalid or has been revoked.")
    limit = settings.api_key_requests_per_minute
    used = await throttling.hit(f"api_key:{key.id}", 60)
    if used > limit:
        _, retry_after = throttling.window_of(60)
        raise RateLimited(
            f"This API key may make {limit} requests a minute.", retry_after=retry_after
        )
    principal = Principal(
        api_key_id=key.id,
        api_key_store_id=key.store_id,
        api_key_actions=frozenset(key.actions),
    )
    return Authenticated(principal, None, _policy_version_of(key))
