"""Endpoint secrets: shown once, kept sealed so that deliveries can be signed.

A signing secret cannot be stored as a hash (the HMAC needs it), so it is sealed with
AES-GCM under a key derived (HKDF, its own purpose) from ``DANGOL_PII_KEY`` of the
current version; older versions stay readable through ``DANGOL_PII_PREVIOUS_KEYS``.
The associated data binds the ciphertext to its store and endpoint, so a sealed
secret copied to another row does not open. A database dump alone reveals no secret.
"""

from __future__ import annotations

import base64
import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.settings import Settings

SECRET_PREFIX = "whsec_"


class SecretUnreadable(RuntimeError):
    """Sealed under a key version the configuration no longer holds, or tampered with."""


@dataclass(frozen=True)
class Sealed:
    text: str
    version: int


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def hint(secret: str) -> str:
    return f"{SECRET_PREFIX}...{secret[-4:]}"


def _cipher(key: str, version: int) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"dangol-webhooks",
        info=f"webhook-secret:v{version}".encode(),
    ).derive(key.encode())
    return AESGCM(derived)


def _aad(version: int, store_id: int, endpoint_id: int) -> bytes:
    return f"dangol:webhook:v{version}:store:{store_id}:endpoint:{endpoint_id}".encode()


def seal(settings: Settings, secret: str, *, store_id: int, endpoint_id: int) -> Sealed:
    version = settings.pii_key_version
    nonce = os.urandom(12)
    sealed = _cipher(settings.pii_key, version).encrypt(
        nonce, secret.encode(), _aad(version, store_id, endpoint_id)
    )
    return Sealed(base64.b64encode(nonce + sealed).decode(), version)


def open_sealed(
    settings: Settings, text: str, *, version: int, store_id: int, endpoint_id: int
) -> str:
    keys = {**dict(settings.pii_previous_keys), settings.pii_key_version: settings.pii_key}
    key = keys.get(version)
    if key is None:
        raise SecretUnreadable(f"key version {version} is not configured")
    raw = base64.b64decode(text)
    try:
        opened = _cipher(key, version).decrypt(
            raw[:12], raw[12:], _aad(version, store_id, endpoint_id)
        )
    except InvalidTag as exc:
        raise SecretUnreadable(f"the secret of endpoint {endpoint_id} does not open") from exc
    return opened.decode()
