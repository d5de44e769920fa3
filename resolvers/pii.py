"""Customers' personal data: phone normalisation, encryption at rest, blind indexes, masking.

Name and phone are sealed with AES-GCM under a key derived from ``DANGOL_PII_KEY``
for its version (``DANGOL_PII_KEY_VERSION``); the associated data binds each
value to its store, customer and field, so a ciphertext copied to another row
does not open. Older keys stay readable through ``DANGOL_PII_PREVIOUS_KEYS``
until ``rotate-keys`` has re-sealed every row. Phone lookups go through an
HMAC-SHA256 blind index under a separate key (``DANGOL_BLIND_INDEX_KEY``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field
from functools import cached_property

import phonenumbers
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from core.errors import InvalidInput
from core.settings import Settings

REGION = "KR"
_MOBILE = re.compile(r"\+8210(\d{4})(\d{4})")
NAME = "name"
PHONE = "phone"


class PiiKeyMissing(RuntimeError):
    """A row is sealed under a key version that the configuration no longer holds."""


def _derive(secret: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dangol-pii", info=purpose).derive(
        secret.encode()
    )


@dataclass(frozen=True)
class PiiKeys:
    """The current key version and every key version still readable."""

    version: int
    secrets: dict[int, str] = field(repr=False)
    blind_index_secret: str = field(repr=False)

    @cached_property
    def _ciphers(self) -> dict[int, AESGCM]:
        return {v: AESGCM(_derive(s, f"aes-gcm:v{v}".encode())) for v, s in self.secrets.items()}

    @cached_property
    def _index_key(self) -> bytes:
        return _derive(self.blind_index_secret, b"blind-index")

    def seal(self, value: str, *, store_id: int, customer_id: int, field_name: str) -> str:
        nonce = os.urandom(12)
        aad = _aad(self.version, store_id, customer_id, field_name)
        sealed = self._ciphers[self.version].encrypt(nonce, value.encode(), aad)
        return base64.b64encode(nonce + sealed).decode()

    def open(
        self, token: str, *, version: int, store_id: int, customer_id: int, field_name: str
    ) -> str:
        cipher = self._ciphers.get(version)
        if cipher is None:
            raise PiiKeyMissing(f"PII key version {version} is not configured")
        raw = binascii.a2b_base64(token)  # what base64.b64decode does, without its checks
        aad = _aad(version, store_id, customer_id, field_name)
        try:
            return cipher.decrypt(raw[:12], raw[12:], aad).decode()
        except InvalidTag as exc:
            raise PiiKeyMissing(f"PII of customer {customer_id} does not open") from exc

    def phone_index(self, store_id: int, e164: str) -> str:
        return self._mac(f"phone:{store_id}:{e164}")

    def phone_tail_index(self, store_id: int, e164: str) -> str:
        return self._mac(f"tail:{store_id}:{e164[-4:]}")

    def name_index(self, store_id: int, name: str) -> str:
        return self._mac(f"name:{store_id}:{' '.join(name.split()).casefold()}")

    def tail_index_of_digits(self, store_id: int, digits: str) -> str:
        return self._mac(f"tail:{store_id}:{digits}")

    def _mac(self, message: str) -> str:
        return hmac.new(self._index_key, message.encode(), hashlib.sha256).hexdigest()


def _aad(version: int, store_id: int, customer_id: int, field_name: str) -> bytes:
    return f"dangol:v{version}:store:{store_id}:customer:{customer_id}:{field_name}".encode()


_cache: dict[tuple[int, tuple[tuple[int, str], ...], str], PiiKeys] = {}
# the keys of each settings object seen, which is kept alive here so that its id stays its own:
# every name and phone of a page asks, and the lookup by value cost more than opening the value
_by_settings: dict[int, tuple[Settings, PiiKeys]] = {}


def keys_for(settings: Settings) -> PiiKeys:
    kept = _by_settings.get(id(settings))
    if kept is not None and kept[0] is settings:
        return kept[1]
    found = _keys_of(settings)
    _by_settings[id(settings)] = (settings, found)
    return found


def _keys_of(settings: Settings) -> PiiKeys:
    secrets = {**dict(settings.pii_previous_keys), settings.pii_key_version: settings.pii_key}
    cache_key = (settings.pii_key_version, tuple(sorted(secrets.items())), settings.blind_index_key)
    found = _cache.get(cache_key)
    if found is None:
        found = _cache[cache_key] = PiiKeys(
            version=settings.pii_key_version,
            secrets=secrets,
            blind_index_secret=settings.blind_index_key,
        )
    return found


def normalise_phone(raw: str, *, field_name: str = "phone") -> str:
    """E.164 of a phone number written any usual way (``010-1234-5678``, ``+82 10 1234 5678``)."""
    try:
        number = phonenumbers.parse(raw.strip(), REGION)
    except phonenumbers.NumberParseException as exc:
        raise InvalidInput("That is not a phone number.", field=field_name) from exc
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput("That is not a valid phone number.", field=field_name)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    mobile = _MOBILE.fullmatch(e164)
    if mobile:  # nearly every customer: what phonenumbers writes, without its parse per row
        return f"010-{mobile[1]}-{mobile[2]}"
    number = phonenumbers.parse(e164, REGION)
    if phonenumbers.region_code_for_number(number) == REGION:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def mask_phone(e164: str) -> str:
    """``010-****-5678``: only the first group and the last four digits stay."""
    shown = display_phone(e164)
    groups = shown.split("-")
    if len(groups) == 3:
        return f"{groups[0]}-{'*' * len(groups[1])}-{groups[2]}"
    digits = [i for i, c in enumerate(shown) if c.isdigit()]
    hidden = set(digits[3:-4])
    return "".join("*" if i in hidden else c for i, c in enumerate(shown))


def mask_name(name: str) -> str:
    """``김*수``: the first and last characters stay, the middle is starred."""
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
