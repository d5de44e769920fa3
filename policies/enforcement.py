"""The one place where a request is checked against the access policy.

Each process keeps the policy in memory and compares its version with the
``policy_version`` row once per request, so a change made through any
process is obeyed by every other on its next request.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import casbin

from models.policies import PolicyVersion
from policies.adapter import TortoiseAdapter
from policies.catalogue import (
    ALL_STORES,
    DELEGABLE,
    MODEL_PATH,
    PARTNER,
    account_subject,
    domain_of,
)

DECISION_CACHE_LIMIT = 50_000


@dataclass(frozen=True)
class Principal:
    """Who is asking: a signed-in account, or a partner key acting in one store."""

    account_id: int | None = None
    api_key_id: int | None = None
    api_key_store_id: int | None = None
    api_key_actions: frozenset[str] = frozenset()

    @property
    def subject(self) -> str:
        if self.account_id is not None:
            return account_subject(self.account_id)
        return PARTNER


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: tuple[str, ...] | None
    reason: str


class PolicyEngine:
    def __init__(self) -> None:
        self.enforcer = casbin.AsyncEnforcer(str(MODEL_PATH), TortoiseAdapter())
        self.version: int | None = None
        self._decisions: dict[tuple[str, str, str], bool] = {}
        # subject -> store -> roles, made from the loaded policy when first asked
        self._store_roles: dict[str, dict[int, list[str]]] | None = None
        self._reload_lock = asyncio.Lock()

    async def sync(self, known_version: int | None = None) -> None:
        """Reload when the policy changed;
        ``known_version`` spares the read when the caller has it."""
        if known_version is None:
            current: list[Any] = await PolicyVersion.filter(id=1).values_list("version", flat=True)
            version = current[0] if current else 0
        else:
            version = known_version
        if version == self.version:
            return
        async with self._reload_lock:
            if version != self.version:
                await self.enforcer.load_policy()
                self._decisions.clear()
                self._store_roles = None
                self.version = version

    def enforce(self, subject: str, domain: str, action: str) -> bool:
        key = (subject, domain, action)
        allowed = self._decisions.get(key)
        if allowed is None:
            if len(self._decisions) >= DECISION_CACHE_LIMIT:
                self._decisions.clear()
            allowed = self._decisions[key] = bool(self.enforcer.enforce(subject, domain, action))
        return allowed

    def allows(self, principal: Principal, action: str, store_id: int | None) -> bool:
        domain = domain_of(store_id)
        if principal.api_key_id is not None:
            return (
                store_id is not None
                and store_id == principal.api_key_store_id
                and action in principal.api_key_actions
                and self.enforce(PARTNER, domain, action)
            )
        return self.enforce(principal.subject, domain, action)

    def explain(self, subject: str, store_id: int | None, action: str) -> Decision:
        domain = domain_of(store_id)
        allowed, rule = self.enforcer.enforce_ex(subject, domain, action)
        if rule:
            verdict = "allowed by" if allowed else "denied by"
            return Decision(bool(allowed), tuple(rule), f"{verdict} p, {', '.join(rule)}")
        return Decision(bool(allowed), None, "no rule grants this action")

    def is_delegable(self, action: str) -> bool:
        return self.enforce(DELEGABLE, ALL_STORES, action)

    def roles(self, subject: str, store_id: int | None) -> list[str]:
        domain = domain_of(store_id)
        return list(self.enforcer.get_role_manager().get_roles(subject, domain))

    def subjects_with_role(self, role: str, store_id: int | None) -> list[str]:
        domain = domain_of(store_id)
        return list(self.enforcer.get_role_manager().get_users(role, domain))

    def store_roles(self, subject: str) -> dict[int, list[str]]:
        """Every store where the subject holds a role, read from the in-memory policy (indexed
        by subject once per policy loaded: every ``me`` asks, and the platform's assignments
        grow with its stores)."""
        index = self._store_roles
        if index is None:
            index = self._store_roles = {}
            for sub, role, domain, *_ in self.assignments():
                if domain.startswith("store:"):
                    store_id = int(domain.removeprefix("store:"))
                    index.setdefault(sub, {}).setdefault(store_id, []).append(role)
        return {store_id: list(roles) for store_id, roles in index.get(subject, {}).items()}

    def assignments(self) -> list[list[str]]:
        return [list(rule) for rule in self.enforcer.model.get_policy("g", "g")]
