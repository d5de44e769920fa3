"""The actions of the product, read from the default policy, which names every one."""

from __future__ import annotations

from functools import cache
from pathlib import Path

POLICY_DIR = Path(__file__).resolve().parent
MODEL_PATH = POLICY_DIR / "model.conf"
DEFAULT_POLICY_PATH = POLICY_DIR / "default_policy.csv"

ADMIN = "admin"
OWNER = "owner"
MANAGER = "manager"
STAFF = "staff"
PARTNER = "partner"
DELEGABLE = "delegable"
STORE_ROLES = (OWNER, MANAGER, STAFF)
ROLES = (ADMIN, OWNER, MANAGER, STAFF, PARTNER)
ALL_STORES = "*"


def store_domain(store_id: int) -> str:
    return f"store:{store_id}"


def domain_of(store_id: int | None) -> str:
    """The policy domain of a store, or of every store (platform-wide) for None."""
    return ALL_STORES if store_id is None else store_domain(store_id)


def account_subject(account_id: int) -> str:
    return f"account:{account_id}"


def default_rules() -> list[list[str]]:
    rules = []
    for raw in DEFAULT_POLICY_PATH.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            rules.append([part.strip() for part in line.split(",")])
    return rules


@cache
def actions() -> frozenset[str]:
    return frozenset(rule[3] for rule in default_rules() if rule[0] == "p")


@cache
def role_actions(role: str) -> frozenset[str]:
    return frozenset(rule[3] for rule in default_rules() if rule[0] == "p" and rule[1] == role)
