"""Turning an ``Authorization`` header into a principal."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from core import throttling
from core.database import connection, db_uuid, dialect, placeholder
from core.errors import RateLimited, Unauthenticated
from core.security import AccessTokens, InvalidAccessToken, same_digest
from core.settings import Settings
from models.accounts import Account
from models.api_keys import ApiKey
from policies.enforcement import Principal

API_KEY_PREFIX = "dgl_"
API_KEY_WINDOW_SECONDS = 60  # an API key's limit is so many requests a minute


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
    # the stores' version (models.stores.StoresVersion) when the credential was checked
    stores_version: int | None = None


POLICY_VERSION = '(SELECT "version" FROM "policy_version" WHERE "id" = 1) AS "policy_version"'
# the stores' version as an expression: 0 until a store is first written
STORES_VERSION = 'COALESCE((SELECT "version" FROM "stores_version" WHERE "id" = 1), 0)'
VERSIONS = f'{POLICY_VERSION}, {STORES_VERSION} AS "stores_version"'


def _policy_version_of(row: dict[str, Any]) -> int | None:
    version = row["policy_version"]
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
    rows = await connection().execute_query_dict(
        _session_sql(dialect()), [db_uuid(claims.session_id)]
    )
    row = rows[0] if rows else None
    if (
        row is None
        or row["session_revoked_at"] is not None
        or row["id"] != claims.account_id
        or not row["is_active"]
    ):
        raise Unauthenticated("The session has ended; sign in again.")
    return Authenticated(
        Principal(account_id=claims.account_id),
        Account._init_from_db(**row),
        _policy_version_of(row),
        int(row["stores_version"]),
    )


@cache
def _session_sql(dialect: str) -> str:
    """A session with its account and the versions in one statement, written once: every
    request with an access token sends it, and building it through the ORM cost more than
    running it."""
    account = ", ".join(f'a."{column}"' for column in Account._meta.db_fields)
    mark = placeholder(dialect)
    return (
        f'SELECT s."revoked_at" AS "session_revoked_at", {account}, {VERSIONS} '
        f'FROM "session" s JOIN "account" a ON a."id" = s."account_id" WHERE s."id" = {mark}'
    )


def split_api_key(credential: str) -> tuple[str, str] | None:
    body = credential.removeprefix(API_KEY_PREFIX)
    prefix, _, secret = body.partition("_")
    if not prefix or not secret:
        return None
    return prefix, secret


async def _authenticate_api_key(settings: Settings, credential: str) -> Authenticated:
    parts = split_api_key(credential)
    rows = await connection().execute_query_dict(_key_sql(dialect()), [parts[0]]) if parts else []
    key = ApiKey._init_from_db(**rows[0]) if rows else None
    if key is None or key.revoked_at is not None or not same_digest(credential, key.secret_hash):
        raise Unauthenticated("The API key is invalid or has been revoked.")
    limit = settings.api_key_requests_per_minute
    usage = await throttling.hit(f"api_key:{key.id}", API_KEY_WINDOW_SECONDS)
    if usage.total > limit:
        raise RateLimited(
            f"This API key may make {limit} requests a minute.",
            retry_after=usage.retry_after(limit),
        )
    principal = Principal(
        api_key_id=key.id,
        api_key_store_id=key.store_id,
        api_key_actions=frozenset(key.actions),
    )
    return Authenticated(
        principal, None, _policy_version_of(rows[0]), int(rows[0]["stores_version"])
    )


@cache
def _key_sql(dialect: str) -> str:
    """An API key with the versions in one statement, written once (see ``_session_sql``)."""
    mark = placeholder(dialect)
    key = ", ".join(f'"{column}"' for column in ApiKey._meta.db_fields)
    return f'SELECT {key}, {VERSIONS} FROM "api_key" WHERE "prefix" = {mark}'
