"""Password hashes, access tokens and opaque secrets."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from core.settings import Settings

ACCESS_TOKEN_ALGORITHM = "HS256"
VERIFIED_TOKENS = 4096  # tokens in use at once, per process


class Passwords:
    def __init__(self, settings: Settings) -> None:
        self._hasher = PasswordHasher(
            time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib
        )
        # Verified against when the email is unknown, so both answers take as long.
        self._decoy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._decoy, password) and bool(
                password_hash
            )
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True)
class AccessClaims:
    account_id: int
    session_id: uuid.UUID


class InvalidAccessToken(Exception):
    pass


class AccessTokens:
    def __init__(self, settings: Settings) -> None:
        self._key = settings.jwt_secret
        self._issuer = settings.jwt_issuer
        self._audience = settings.jwt_audience
        self._lifetime = timedelta(seconds=settings.access_token_seconds)

    @property
    def lifetime_seconds(self) -> int:
        return int(self._lifetime.total_seconds())

    def issue(self, account_id: int, session_id: uuid.UUID) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(account_id),
            "sid": str(session_id),
            "iss": self._issuer,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._lifetime,
            "jti": secrets.token_hex(8),
        }
        return jwt.encode(claims, self._key, algorithm=ACCESS_TOKEN_ALGORITHM)

    def verify(self, token: str) -> AccessClaims:
        try:
            claims, expires = _verified(token, self._key, self._issuer, self._audience)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise InvalidAccessToken(str(exc)) from exc
        if expires <= time.time():
            raise InvalidAccessToken("Signature has expired")
        return claims


@lru_cache(maxsize=VERIFIED_TOKENS)
def _verified(token: str, key: str, issuer: str, audience: str) -> tuple[AccessClaims, float]:
    """A token whose signature and claims hold, with its expiry, which ``verify`` checks on every
    use: a client sends the same token with every request, and the signature is checked once."""
    claims = jwt.decode(
        token,
        key,
        algorithms=[ACCESS_TOKEN_ALGORITHM],
        audience=audience,
        issuer=issuer,
        options={"require": ["exp", "iat", "iss", "aud", "sub", "sid"], "verify_exp": False},
    )
    return AccessClaims(int(claims["sub"]), uuid.UUID(claims["sid"])), float(claims["exp"])


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def same_digest(value: str, expected_digest: str) -> bool:
    return hmac.compare_digest(digest(value), expected_digest)
