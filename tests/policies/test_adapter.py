from __future__ import annotations

from models.policies import CasbinRule
from policies.adapter import TortoiseAdapter


async def test_filtered_removal_never_crosses_rule_types(app: object) -> None:
    # given a p rule and a g rule sharing their first value
    adapter = TortoiseAdapter()
    await adapter.add_policy("p", "p", ["account:77", "store:1", "orders.read", "allow"])
    await adapter.add_policy("g", "g", ["account:77", "staff", "store:1"])
    # when the p rules of that subject are removed
    await adapter.remove_filtered_policy("p", "p", 0, "account:77")
    # then the g rule is still there
    left = await CasbinRule.filter(v0="account:77").values_list("ptype", "v1")
    assert left == [("g", "staff")]


async def test_adding_a_rule_twice_keeps_one_row(app: object) -> None:
    adapter = TortoiseAdapter()
    assert await adapter.add_policy("p", "p", ["staff", "store:1", "orders.read", "deny"])
    assert not await adapter.add_policy("p", "p", ["staff", "store:1", "orders.read", "deny"])
    assert await CasbinRule.filter(v1="store:1", v3="deny").count() == 1
