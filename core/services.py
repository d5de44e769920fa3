"""What one server process holds for its whole life."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.broadcast import EventBus
from core.files import FileLinks
from core.rechecks import CredentialChecks
from core.security import AccessTokens, Passwords
from core.settings import Settings
from core.versioned import Versioned
from policies.enforcement import PolicyEngine


@dataclass
class Services:
    settings: Settings
    policy: PolicyEngine
    passwords: Passwords
    tokens: AccessTokens
    files: FileLinks
    events: EventBus
    rechecks: CredentialChecks
    terms: Versioned[int, Any] = field(default_factory=Versioned)
    """Each store's loyalty terms as this process last read them (resolvers/orders/terms.py)."""
    stores: Versioned[int, dict[str, Any]] = field(default_factory=Versioned)
    """Each store's row as this process last read it (core/context.py, ``Loaders.keep_rows``)."""

    @classmethod
    def create(cls, settings: Settings) -> "Services":
        tokens = AccessTokens(settings)
        return cls(
            settings=settings,
            policy=PolicyEngine(),
            passwords=Passwords(settings),
            tokens=tokens,
            files=FileLinks(settings),
            events=EventBus(),
            rechecks=CredentialChecks(tokens),
        )
