"""What one server process holds for its whole life."""

from __future__ import annotations

from dataclasses import dataclass

from core.files import FileLinks
from core.security import AccessTokens, Passwords
from core.settings import Settings
from policies.enforcement import PolicyEngine


@dataclass
class Services:
    settings: Settings
    policy: PolicyEngine
    passwords: Passwords
    tokens: AccessTokens
    files: FileLinks

    @classmethod
    def create(cls, settings: Settings) -> "Services":
        return cls(
            settings=settings,
            policy=PolicyEngine(),
            passwords=Passwords(settings),
            tokens=AccessTokens(settings),
            files=FileLinks(settings),
        )
