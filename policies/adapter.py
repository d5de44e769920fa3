"""A Casbin adapter that keeps the policy in the ``casbin_rule`` table through Tortoise.

Writes run on whatever transaction is current, so a policy change commits or
rolls back together with the audit entry and the version bump that go with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from casbin.model import Model as CasbinModel
from casbin.persist.adapter import load_policy_line
from casbin.persist.adapters.asyncio import AsyncAdapter

from models.policies import CasbinRule

FIELDS = ("v0", "v1", "v2", "v3", "v4", "v5")


def _row_values(rule: Sequence[str]) -> dict[str, Any]:
    """The columns a rule fills (a short rule leaves the last ones empty)."""
    return dict(zip(FIELDS, rule, strict=False))


def _line(row: CasbinRule) -> str:
    values = [getattr(row, name) for name in FIELDS]
    while values and values[-1] == "":
        values.pop()
    return ", ".join([row.ptype, *values])


# pycasbin ships no type information, so its base class is Any to mypy.
class TortoiseAdapter(AsyncAdapter):  # type: ignore[misc]
    async def load_policy(self, model: CasbinModel) -> None:
        for row in await CasbinRule.all().order_by("id"):
            load_policy_line(_line(row), model)

    async def save_policy(self, model: CasbinModel) -> bool:
        await CasbinRule.all().delete()
        rows = [
            CasbinRule(ptype=ptype, **_row_values(rule))
            for sec in ("p", "g")
            for ptype, assertion in model.model.get(sec, {}).items()
            for rule in assertion.policy
        ]
        await CasbinRule.bulk_create(rows)
        return True

    async def add_policy(self, sec: str, ptype: str, rule: Sequence[str]) -> bool:
        _, created = await CasbinRule.get_or_create(ptype=ptype, **_row_values(rule))
        return created

    async def add_policies(self, sec: str, ptype: str, rules: Iterable[Sequence[str]]) -> bool:
        for rule in rules:
            await self.add_policy(sec, ptype, rule)
        return True

    async def remove_policy(self, sec: str, ptype: str, rule: Sequence[str]) -> bool:
        deleted = await CasbinRule.filter(ptype=ptype, **_row_values(rule)).delete()
        return deleted > 0

    async def remove_policies(self, sec: str, ptype: str, rules: Iterable[Sequence[str]]) -> bool:
        for rule in rules:
            await self.remove_policy(sec, ptype, rule)
        return True

    async def remove_filtered_policy(
        self, sec: str, ptype: str, field_index: int, *field_values: str
    ) -> bool:
        # Unlike casbin-tortoise-adapter, the rule type always narrows the filter.
        filters = {
            FIELDS[field_index + offset]: value
            for offset, value in enumerate(field_values)
            if value
        }
        deleted = await CasbinRule.filter(ptype=ptype, **filters).delete()
        return deleted > 0
