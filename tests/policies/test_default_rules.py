"""Rules added to the default policy reach a database installed before them, once."""

from __future__ import annotations

from typing import Any

from models.policies import CasbinRule, OfferedDefaultRule, PolicyVersion
from resolvers.policies import install_default_policy
from tests.client import Api

NEW = {"ptype": "p", "v2": "analytics.by_tier"}


async def _by_tier_roles() -> list[str]:
    roles: list[Any] = await CasbinRule.filter(**NEW).values_list("v0", flat=True)
    return sorted(roles)


async def test_rules_added_to_the_defaults_since_install_are_given_once(api: Api) -> None:
    # given a database installed before analytics.by_tier was in the default policy
    await CasbinRule.filter(**NEW).delete()
    await OfferedDefaultRule.filter(rule__contains="analytics.by_tier").delete()
    version = (await PolicyVersion.get(id=1)).version
    # when
    installed = await install_default_policy()
    again = await install_default_policy()
    # then
    assert (installed, again) == (True, False)
    assert await _by_tier_roles() == ["admin", "delegable", "manager", "owner", "partner"]
    assert (await PolicyVersion.get(id=1)).version == version + 1


async def test_a_default_rule_an_admin_revoked_is_not_offered_again(api: Api) -> None:
    # given the partner's by-tier rule, offered at install, revoked since
    await CasbinRule.filter(**NEW, v0="partner").delete()
    # when
    installed = await install_default_policy()
    # then
    assert installed is False
    assert "partner" not in await _by_tier_roles()


async def test_a_database_installed_before_offers_were_recorded_gets_only_what_is_new(
    api: Api,
) -> None:
    # given no record of offers and a policy without analytics.by_tier
    await OfferedDefaultRule.all().delete()
    await CasbinRule.filter(**NEW).delete()
    rules_before = await CasbinRule.filter(ptype="p").count()
    # when
    installed = await install_default_policy()
    # then the missing defaults are added, and what it held counts as offered
    assert installed is True
    assert await _by_tier_roles() == ["admin", "delegable", "manager", "owner", "partner"]
    assert await CasbinRule.filter(ptype="p").count() == rules_before + 5
    assert await install_default_policy() is False
