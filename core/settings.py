"""Settings read from the environment.

In development a missing secret is generated once into ``data/secrets.json``;
in production (``DANGOL_ENV=production``) a missing secret stops the start.
"""

from __future__ import annotations

import ipaddress
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from zxcvbn import zxcvbn

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "data"
DEFAULT_DATABASE_URL = f"sqlite://{DATA_DIR / 'dangol.sqlite3'}"
SECRET_NAMES = ("DANGOL_JWT_SECRET", "DANGOL_PII_KEY", "DANGOL_BLIND_INDEX_KEY")
# zxcvbn's estimate of the guesses a secret takes, as a power of ten (about 86 bits): 32
# random hex digits score 27 or more, a typed secret less ("x" * 40: 3, "dangol-production-
# secret-key-2026": 23, "mycompanyname-jwt-secret-production-key": 26).
MIN_SECRET_GUESSES_LOG10 = 26


class SettingsError(RuntimeError):
    """The environment does not describe a service that can start."""


@dataclass(frozen=True)
class Settings:
    env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    port: int = 8000
    jwt_secret: str = field(default="", repr=False)
    pii_key: str = field(default="", repr=False)
    blind_index_key: str = field(default="", repr=False)
    pii_key_version: int = 1
    pii_previous_keys: tuple[tuple[int, str], ...] = field(default=(), repr=False)
    jwt_issuer: str = "dangol"
    jwt_audience: str = "dangol-api"
    access_token_seconds: int = 15 * 60
    refresh_token_days: int = 30
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 64 * 1024
    login_window_seconds: int = 15 * 60
    login_failures_per_account: int = 5
    login_failures_per_address: int = 30
    api_key_requests_per_minute: int = 120
    lookup_window_seconds: int = 60 * 60
    lookup_misses_per_account: int = 40
    lookup_misses_per_api_key: int = 40
    max_body_bytes: int = 8 * 1024 * 1024  # a 100,000-row customer CSV is about 5 MB
    max_query_depth: int = 12
    max_aliases: int = 20
    max_tokens: int = 4000
    run_jobs: bool = True
    outbox_interval_seconds: int = 5
    order_attach_window_minutes: int = 30
    outbox_batch_size: int = 100
    outbox_max_attempts: int = 8
    outbox_backoff_seconds: int = 30
    outbox_lease_seconds: int = 120
    outbox_retention_days: int = 30
    webhook_timeout_seconds: int = 10
    webhook_disable_after_failures: int = 15
    webhook_allow_private_addresses: bool = False
    training_file_max_bytes: int = 5 * 1024 * 1024
    points_expiry_interval_seconds: int = 3600
    tier_evaluation_interval_seconds: int = 3600
    message_provider_url: str = ""
    message_provider_key: str = field(default="", repr=False)
    message_provider_timeout_seconds: float = 5.0
    message_sms_sender: str = ""
    messages_interval_seconds: int = 30
    seed_demo: bool = True
    trusted_proxies: tuple[str, ...] = ()

    @property
    def production(self) -> bool:
        return self.env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if environ is None else environ
    mode = env.get("DANGOL_ENV", "development")
    secrets_ = {name: env.get(name, "") for name in SECRET_NAMES}
    missing = [name for name, value in secrets_.items() if not value]
    if missing and mode == "production":
        raise SettingsError(
            "DANGOL_ENV=production needs these secrets in the environment: " + ", ".join(missing)
        )
    if missing:
        generated = _development_secrets()
        secrets_.update({name: generated[name] for name in missing})
    for name, value in secrets_.items():
        if len(value) < 32:
            raise SettingsError(f"{name} must be at least 32 characters long")
    if mode == "production":
        _check_production_secrets(secrets_, env.get("DANGOL_PII_PREVIOUS_KEYS", ""))

    def integer(name: str, default: int) -> int:
        raw = env.get(name)
        if raw is None or raw == "":
            return default
        try:
            return int(raw)
        except ValueError as exc:
            raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc

    def flag(name: str, default: bool) -> bool:
        raw = env.get(name)
        if raw is None or raw == "":
            return default
        return raw.lower() in {"1", "true", "yes", "on"}

    pii_key_version = integer("DANGOL_PII_KEY_VERSION", 1)
    provider_url = env.get("DANGOL_MESSAGE_PROVIDER_URL", "")
    if provider_url and not env.get("DANGOL_MESSAGE_PROVIDER_KEY"):
        raise SettingsError("DANGOL_MESSAGE_PROVIDER_URL needs DANGOL_MESSAGE_PROVIDER_KEY")
    return Settings(
        env=mode,
        database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
        port=integer("PORT", 8000),
        jwt_secret=secrets_["DANGOL_JWT_SECRET"],
        pii_key=secrets_["DANGOL_PII_KEY"],
        blind_index_key=secrets_["DANGOL_BLIND_INDEX_KEY"],
        pii_key_version=pii_key_version,
        pii_previous_keys=_previous_keys(env.get("DANGOL_PII_PREVIOUS_KEYS", ""), pii_key_version),
        access_token_seconds=integer("DANGOL_ACCESS_TOKEN_SECONDS", 15 * 60),
        refresh_token_days=integer("DANGOL_REFRESH_TOKEN_DAYS", 30),
        argon2_time_cost=integer("DANGOL_ARGON2_TIME_COST", 3),
        argon2_memory_kib=integer("DANGOL_ARGON2_MEMORY_KIB", 64 * 1024),
        login_window_seconds=integer("DANGOL_LOGIN_WINDOW_SECONDS", 15 * 60),
        login_failures_per_account=integer("DANGOL_LOGIN_FAILURES_PER_ACCOUNT", 5),
        login_failures_per_address=integer("DANGOL_LOGIN_FAILURES_PER_ADDRESS", 30),
        api_key_requests_per_minute=integer("DANGOL_API_KEY_REQUESTS_PER_MINUTE", 120),
        lookup_window_seconds=integer("DANGOL_LOOKUP_WINDOW_SECONDS", 60 * 60),
        lookup_misses_per_account=integer("DANGOL_LOOKUP_MISSES_PER_ACCOUNT", 40),
        lookup_misses_per_api_key=integer("DANGOL_LOOKUP_MISSES_PER_API_KEY", 40),
        max_body_bytes=integer("DANGOL_MAX_BODY_BYTES", 8 * 1024 * 1024),
        run_jobs=flag("DANGOL_RUN_JOBS", True),
        outbox_interval_seconds=integer("DANGOL_OUTBOX_INTERVAL_SECONDS", 5),
        order_attach_window_minutes=integer("DANGOL_ORDER_ATTACH_WINDOW_MINUTES", 30),
        outbox_batch_size=integer("DANGOL_OUTBOX_BATCH_SIZE", 100),
        outbox_max_attempts=integer("DANGOL_OUTBOX_MAX_ATTEMPTS", 8),
        outbox_backoff_seconds=integer("DANGOL_OUTBOX_BACKOFF_SECONDS", 30),
        outbox_lease_seconds=integer("DANGOL_OUTBOX_LEASE_SECONDS", 120),
        outbox_retention_days=integer("DANGOL_OUTBOX_RETENTION_DAYS", 30),
        webhook_timeout_seconds=integer("DANGOL_WEBHOOK_TIMEOUT_SECONDS", 10),
        webhook_disable_after_failures=integer("DANGOL_WEBHOOK_DISABLE_AFTER_FAILURES", 15),
        webhook_allow_private_addresses=flag("DANGOL_WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False),
        training_file_max_bytes=integer("DANGOL_TRAINING_FILE_MAX_BYTES", 5 * 1024 * 1024),
        points_expiry_interval_seconds=integer("DANGOL_POINTS_EXPIRY_INTERVAL_SECONDS", 3600),
        tier_evaluation_interval_seconds=integer("DANGOL_TIER_EVALUATION_INTERVAL_SECONDS", 3600),
        message_provider_url=provider_url,
        message_provider_key=env.get("DANGOL_MESSAGE_PROVIDER_KEY", ""),
        message_provider_timeout_seconds=integer("DANGOL_MESSAGE_PROVIDER_TIMEOUT_SECONDS", 5),
        message_sms_sender=env.get("DANGOL_MESSAGE_SMS_SENDER", ""),
        messages_interval_seconds=integer("DANGOL_MESSAGES_INTERVAL_SECONDS", 30),
        seed_demo=flag("DANGOL_SEED_DEMO", mode != "production"),
        trusted_proxies=_trusted_proxies(env.get("DANGOL_TRUSTED_PROXIES", "")),
    )


def _trusted_proxies(raw: str) -> tuple[str, ...]:
    """``DANGOL_TRUSTED_PROXIES="10.0.0.0/8,192.0.2.4"``: proxies whose X-Forwarded-For counts."""
    found = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        try:
            found.append(str(ipaddress.ip_network(entry, strict=False)))
        except ValueError as exc:
            raise SettingsError(
                f"DANGOL_TRUSTED_PROXIES holds addresses or networks (CIDR), not {entry!r}"
            ) from exc
    return tuple(found)


def estimated_guesses_log10(secret: str) -> float:
    """How many guesses ``secret`` would take, as zxcvbn estimates them (a power of ten)."""
    return float(zxcvbn(secret[:100])["guesses_log10"])


def _check_production_secrets(found: Mapping[str, str], previous_keys: str) -> None:
    """In production every secret is its own and random: never shared, never typed."""
    for name, value in found.items():
        if estimated_guesses_log10(value) < MIN_SECRET_GUESSES_LOG10:
            raise SettingsError(
                f"{name} looks typed rather than random (too little entropy); generate one, "
                'e.g. python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
    values = list(found.values()) + [
        key for _, _, key in (entry.partition(":") for entry in previous_keys.split(",")) if key
    ]
    if len(set(values)) < len(values):
        raise SettingsError(
            "DANGOL_JWT_SECRET, DANGOL_PII_KEY, DANGOL_BLIND_INDEX_KEY (and the previous PII keys) "
            "must all differ: one leaked secret must not open the others"
        )


def _previous_keys(raw: str, current: int) -> tuple[tuple[int, str], ...]:
    """``DANGOL_PII_PREVIOUS_KEYS="1:<key>,2:<key>"``: older PII keys, still readable."""
    found: list[tuple[int, str]] = []
    for entry in filter(None, (part.strip() for part in raw.split(","))):
        version, _, key = entry.partition(":")
        if not version.isdigit() or len(key) < 32 or int(version) == current:
            raise SettingsError(
                "DANGOL_PII_PREVIOUS_KEYS holds version:key pairs (keys of 32+ characters), "
                "none of them the current DANGOL_PII_KEY_VERSION"
            )
        found.append((int(version), key))
    return tuple(found)


def _development_secrets() -> dict[str, str]:
    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / "secrets.json"
    stored: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    if all(stored.get(name) for name in SECRET_NAMES):
        return stored
    for name in SECRET_NAMES:
        stored.setdefault(name, secrets.token_urlsafe(48))
    path.write_text(json.dumps(stored, indent=2))
    path.chmod(0o600)
    return stored
