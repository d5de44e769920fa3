"""The analytics actions reach a database whose policy was installed before they existed."""

from __future__ import annotations

import importlib
from pathlib import Path

from core.database import connection, dialect
from models.policies import CasbinRule, PolicyVersion
from tests.client import Api

MIGRATION = next(Path("migrations/models").glob("*_analytics.py")).stem


async def test_the_migration_adds_the_new_rules_to_an_installed_policy(api: Api) -> None:
    # given: a policy installed before analytics.by_tier and the partner's analytics rules
    await CasbinRule.filter(ptype="p", v2="analytics.by_tier").delete()
    await CasbinRule.filter(ptype="p", v0="partner", v2__startswith="analytics.").delete()
    version = (await PolicyVersion.get(id=1)).version
    module = importlib.import_module(f"migrations.models.{MIGRATION}")
    # when
    await connection().execute_script(module.UPGRADE[dialect()])
    # then
    by_tier = await CasbinRule.filter(ptype="p", v2="analytics.by_tier").values_list(
        "v0", flat=True
    )
    assert sorted(by_tier) == ["admin", "delegable", "manager", "owner", "partner"]
    assert (
        await CasbinRule.filter(ptype="p", v0="partner", v2__startswith="analytics.").count() == 8
    )
    assert (await PolicyVersion.get(id=1)).version == version + 1


async def test_running_it_twice_adds_nothing_twice(api: Api) -> None:
    # given
    before = await CasbinRule.filter(ptype="p").count()
    module = importlib.import_module(f"migrations.models.{MIGRATION}")
    # when
    await connection().execute_script(module.UPGRADE[dialect()])
    # then
    assert await CasbinRule.filter(ptype="p").count() == before
