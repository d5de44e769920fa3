"""Rewards (E2): managers keep the catalogue, staff and partner keys redeem, staff approve."""

from __future__ import annotations

from models.rewards import Redemption, RedemptionStatus, Reward
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid
from tests.points import helpers

REDEMPTIONS = "query($id: ID!) { store(id: $id) { id redemptions { edges { node { id } } } } }"
REWARDS = "query($id: ID!) { store(id: $id) { id rewards { edges { node { id name } } } } }"
NODE_REWARD = "query($id: ID!) { node(id: $id) { id ... on Reward { name } } }"
NODE_REDEMPTION = "query($id: ID!) { node(id: $id) { id ... on Redemption { status } } }"
CREATE = "mutation($input: CreateRewardInput!) { createReward(input: $input) { __typename } }"
UPDATE = "mutation($input: UpdateRewardInput!) { updateReward(input: $input) { __typename } }"
REDEEM = "mutation($input: RedeemRewardInput!) { redeemReward(input: $input) { __typename } }"
APPROVE = (
    "mutation($input: ApproveRedemptionInput!) { approveRedemption(input: $input) { __typename } }"
)


async def _reward(store_id: int) -> Reward:
    return await Reward.create(
        store_id=store_id, name="아메리카노 1잔", cost_points=100, value=4500
    )


async def _pending(store_id: int) -> Redemption:
    reward = await _reward(store_id)
    customer = await helpers.customer(store_id)
    return await Redemption.create(
        store_id=store_id,
        customer_id=customer,
        reward_id=reward.id,
        status=RedemptionStatus.PENDING,
    )


async def _node_reward(w: World, target: str) -> dict:
    return {"id": gid("Reward", (await _reward(w.store_id(target))).id)}


async def _node_redemption(w: World, target: str) -> dict:
    return {"id": gid("Redemption", (await _pending(w.store_id(target))).id)}


async def _update(w: World, target: str) -> dict:
    reward = await _reward(w.store_id(target))
    return {"input": {"rewardId": gid("Reward", reward.id), "value": 5000}}


async def _redeem(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    reward = await _reward(store_id)
    customer = await helpers.customer(store_id)
    await helpers.give(customer, 100, store_id)
    return {
        "input": {
            "customerId": gid("Customer", customer),
            "rewardId": gid("Reward", reward.id),
            "idempotencyKey": w.unique("redeem"),
        }
    }


async def _approve(w: World, target: str) -> dict:
    pending = await _pending(w.store_id(target))
    return {
        "input": {
            "redemptionId": gid("Redemption", pending.id),
            "approve": True,
            "idempotencyKey": w.unique("approve"),
        }
    }


READ = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
MANAGE = Expectations(
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
STAFF_UP = Expectations(
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.rewards", REWARDS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.redemptions", REDEMPTIONS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Query.node", NODE_REWARD, _node_reward, variant="Reward", **READ),
    Row("Query.node", NODE_REDEMPTION, _node_redemption, variant="Redemption", **READ),
    Row(
        "Mutation.createReward",
        CREATE,
        lambda w, t: {
            "input": {"storeId": w.store(t), "name": "쿠키", "costPoints": 300, "value": 2500}
        },
        **MANAGE,
    ),
    Row("Mutation.updateReward", UPDATE, _update, **MANAGE),
    Row("Mutation.redeemReward", REDEEM, _redeem, **READ),
    Row("Mutation.approveRedemption", APPROVE, _approve, **STAFF_UP),
]


CANCEL = (
    "mutation($input: CancelRedemptionInput!) { cancelRedemption(input: $input) { __typename } }"
)
CUSTOMER_REDEMPTIONS = (
    "query($id: ID!) { node(id: $id) { id ... on Customer "
    "{ redemptions { edges { node { id } } } } } }"
)
CUSTOMER_AFFORDABLE = (
    "query($id: ID!) { node(id: $id) { id ... on Customer "
    "{ affordableRewards { totalCount edges { node { id } } } } } }"
)


async def _cancel(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    reward = await _reward(store_id)
    customer = await helpers.customer(store_id)
    approved = await Redemption.create(
        store_id=store_id,
        customer_id=customer,
        reward_id=reward.id,
        status=RedemptionStatus.APPROVED,
    )
    return {"input": {"redemptionId": gid("Redemption", approved.id)}}


async def _customer(w: World, target: str) -> dict:
    return {"id": gid("Customer", (await _pending(w.store_id(target))).customer_id)}


ROWS += [
    # The counter drops a chosen reward as it redeems one: the same callers.
    Row("Mutation.cancelRedemption", CANCEL, _cancel, **READ),
    Row("Customer.redemptions", CUSTOMER_REDEMPTIONS, _customer, **READ),
    Row("Customer.affordableRewards", CUSTOMER_AFFORDABLE, _customer, **READ),
]
