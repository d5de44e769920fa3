"""Credentials checked again, for every event a subscriber is about to receive.

A subscription lives for hours on the token it started with; before each event the
token must still hold: not expired, its session not ended, its account still active,
its API key not revoked. Every subscriber of an event asks at the same moment, so the
checks asked within one turn of the event loop share one query per kind of
credential (sessions, API keys), whatever the number of subscribers. No rate limit is
counted: the subscription counted once when it started.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

from tortoise.expressions import Subquery

from core.auth import API_KEY_PREFIX, Authenticated, split_api_key
from core.errors import Unauthenticated
from core.security import AccessClaims, AccessTokens, InvalidAccessToken, same_digest
from models.accounts import Session
from models.api_keys import ApiKey
from models.policies import PolicyVersion
from policies.enforcement import Principal

Outcome = Authenticated | Unauthenticated
EXPIRED = "The access token is invalid or has expired."
ENDED = "The session has ended; sign in again."
REVOKED = "The API key is invalid or has been revoked."


class CredentialChecks:
    def __init__(self, tokens: AccessTokens) -> None:
        self.tokens = tokens
        self._pending: dict[str, list[asyncio.Future[Outcome]]] = {}
        self._scheduled = False
        self.batches = 0

    async def check(self, credential: str) -> Authenticated:
        """The credential's principal now; ``Unauthenticated`` when it no longer holds."""
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(credential, []).append(future)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)
        outcome = await future
        if isinstance(outcome, Unauthenticated):
            raise Unauthenticated(outcome.message)
        return outcome

    def _flush(self) -> None:
        pending, self._pending = self._pending, {}
        self._scheduled = False
        asyncio.ensure_future(self._answer(pending))

    async def _answer(self, pending: dict[str, list[asyncio.Future[Outcome]]]) -> None:
        self.batches += 1
        try:
            outcomes = await check_many(self.tokens, list(pending))
        except Exception as exc:
            for futures in pending.values():
                for future in futures:
                    if not future.done():
                        future.set_exception(exc)
            return
        for credential, futures in pending.items():
            for future in futures:
                if not future.done():
                    future.set_result(outcomes[credential])


def _policy_version() -> Subquery:
    return Subquery(PolicyVersion.filter(id=1).values("version"))


async def check_many(tokens: AccessTokens, credentials: Sequence[str]) -> dict[str, Outcome]:
    """Each credential's principal, or why it no longer holds: one query per kind of credential."""
    outcomes: dict[str, Outcome] = {}
    claims_of: dict[str, AccessClaims] = {}
    keys: dict[str, tuple[str, str]] = {}
    for credential in credentials:
        if credential.startswith(API_KEY_PREFIX):
            parts = split_api_key(credential)
            if parts is None:
                outcomes[credential] = Unauthenticated(REVOKED)
            else:
                keys[credential] = parts
            continue
        try:
            claims_of[credential] = tokens.verify(credential)
        except InvalidAccessToken:
            outcomes[credential] = Unauthenticated(EXPIRED)
    if claims_of:
        outcomes.update(await _sessions(claims_of))
    if keys:
        outcomes.update(await _api_keys(keys))
    return outcomes


async def _sessions(tokens: dict[str, AccessClaims]) -> dict[str, Outcome]:
    ids = {claims.session_id for claims in tokens.values()}
    rows = await (
        Session.filter(id__in=list(ids))
        .select_related("account")
        .annotate(policy_version=_policy_version())
    )
    sessions: dict[uuid.UUID, Any] = {row.id: row for row in rows}
    outcomes: dict[str, Outcome] = {}
    for credential, claims in tokens.items():
        session = sessions.get(claims.session_id)
        if (
            session is None
            or session.revoked_at is not None
            or session.account_id != claims.account_id
            or not session.account.is_active
        ):
            outcomes[credential] = Unauthenticated(ENDED)
            continue
        outcomes[credential] = Authenticated(
            Principal(account_id=claims.account_id), session.account, session.policy_version
        )
    return outcomes


async def _api_keys(keys: dict[str, tuple[str, str]]) -> dict[str, Outcome]:
    prefixes = {prefix for prefix, _ in keys.values()}
    rows = await ApiKey.filter(prefix__in=list(prefixes)).annotate(policy_version=_policy_version())
    by_prefix: dict[str, Any] = {row.prefix: row for row in rows}
    outcomes: dict[str, Outcome] = {}
    for credential, (prefix, _) in keys.items():
        key = by_prefix.get(prefix)
        if (
            key is None
            or key.revoked_at is not None
            or not same_digest(credential, key.secret_hash)
        ):
            outcomes[credential] = Unauthenticated(REVOKED)
            continue
        outcomes[credential] = Authenticated(
            Principal(
                api_key_id=key.id,
                api_key_store_id=key.store_id,
                api_key_actions=frozenset(key.actions),
            ),
            None,
            key.policy_version,
        )
    return outcomes
