from __future__ import annotations

from typing import Any

from models.rewards import Reward
from tests.client import Api, gid
from tests.orders import factories
from tests.points import helpers
from tests.rewards import helpers as rewards

STORE1 = gid("Store", 1)


async def test_a_manager_creates_and_updates_rewards(api: Api) -> None:
    # given
    token = await api.token("manager1@dangol.test")
    product = await factories.product(1)
    # when
    created = await api.data(
        rewards.CREATE,
        {
            "input": {
                "storeId": STORE1,
                "name": " 쿠키 ",
                "costPoints": 300,
                "value": 2500,
                "productId": gid("Product", product.id),
            }
        },
        token=token,
    )
    reward = created["createReward"]["reward"]
    updated = await api.data(
        rewards.UPDATE,
        {
            "input": {
                "rewardId": reward["id"],
                "costPoints": None,
                "costStamps": 8,
                "isActive": False,
            }
        },
        token=token,
    )
    # then
    assert reward["name"] == "쿠키" and reward["costPoints"] == 300
    assert reward["productId"] == gid("Product", product.id)
    changed = updated["updateReward"]["reward"]
    assert (
        changed["costPoints"] is None
        and changed["costStamps"] == 8
        and changed["isActive"] is False
    )


async def test_a_reward_costs_points_or_stamps_never_both_nor_neither(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    cases: list[dict[str, Any]] = [
        {"costPoints": 10, "costStamps": 3},
        {},
        {"costPoints": 0},
        {"costPoints": 10, "value": -1},
        {"costPoints": 10, "productId": gid("Product", (await factories.product(2)).id)},
    ]
    # when
    results = [
        (
            await api.data(
                rewards.CREATE, {"input": {"storeId": STORE1, "name": "x", **case}}, token=token
            )
        )["createReward"]
        for case in cases
    ]
    # then
    assert [r["__typename"] for r in results] == [
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
        "NotFound",
    ]
    assert await Reward.all().count() == 0


async def test_store_rewards_lists_active_ones_in_pages(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    for number in range(3):
        await rewards.reward(name=f"r{number}")
    await rewards.reward(name="old", is_active=False)
    await rewards.reward(store_id=2, name="theirs")
    # when
    first = await api.data(rewards.REWARDS, {"id": STORE1, "first": 2}, token=token)
    cursor = first["store"]["rewards"]["pageInfo"]["endCursor"]
    rest = await api.data(rewards.REWARDS, {"id": STORE1, "first": 2, "after": cursor}, token=token)
    everything = await api.data(rewards.REWARDS, {"id": STORE1, "all": True}, token=token)
    # then
    assert [e["node"]["name"] for e in first["store"]["rewards"]["edges"]] == ["r0", "r1"]
    assert [e["node"]["name"] for e in rest["store"]["rewards"]["edges"]] == ["r2"]
    assert [e["node"]["name"] for e in everything["store"]["rewards"]["edges"]] == [
        "r0",
        "r1",
        "r2",
        "old",
    ]
