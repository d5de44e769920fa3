"""Signed download links (API.md, Files): ``GET /files/<token>``, valid for minutes, for one file.

A token names the kind of file, the object it is made from and its store; it is
signed with a key derived from the access-token secret (so no second secret to
configure) under its own audience, so an access token is never a download token
nor the other way round. A link is issued only after the policy allowed the field
that hands it out.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from core.settings import Settings

ALGORITHM = "HS256"
AUDIENCE = "dangol-files"
DEFAULT_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class FileClaim:
    kind: str
    object_id: int
    store_id: int


@dataclass(frozen=True)
class SignedLink:
    token: str
    expires_at: datetime


class InvalidFileToken(Exception):
    pass


class FileLinks:
    def __init__(self, settings: Settings) -> None:
        self._key = hmac.new(settings.jwt_secret.encode(), b"dangol files", hashlib.sha256).digest()
        self._issuer = settings.jwt_issuer

    def sign(
        self, claim: FileClaim, *, ttl: timedelta = DEFAULT_TTL, now: datetime | None = None
    ) -> SignedLink:
        issued = now or datetime.now(UTC)
        expires_at = issued + ttl
        token = jwt.encode(
            {
                "iss": self._issuer,
                "aud": AUDIENCE,
                "iat": issued,
                "exp": expires_at,
                "kind": claim.kind,
                "oid": claim.object_id,
                "sid": claim.store_id,
            },
            self._key,
            algorithm=ALGORITHM,
        )
        return SignedLink(token=token, expires_at=expires_at)

    def verify(self, token: str) -> FileClaim:
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[ALGORITHM],
                audience=AUDIENCE,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "aud", "iss", "kind", "oid", "sid"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidFileToken(str(exc)) from exc
        kind, object_id, store_id = claims["kind"], claims["oid"], claims["sid"]
        if (
            not isinstance(kind, str)
            or not isinstance(object_id, int)
            or not isinstance(store_id, int)
        ):
            raise InvalidFileToken("malformed claims")
        return FileClaim(kind=kind, object_id=object_id, store_id=store_id)
