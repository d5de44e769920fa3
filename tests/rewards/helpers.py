"""Documents and objects for rewards tests."""

from __future__ import annotations

from typing import Any

from models.rewards import Reward, StampBalance
from tests.client import Api, gid
from tests.points.helpers import key

REDEEM = """
mutation($input: RedeemRewardInput!) {
  redeemReward(input: $input) {
    __typename
    ... on RedemptionSuccess { redemption { id status pointsSpent stampsSpent customerId rewardId
      reward { name } } }
    ... on InsufficientPoints { available }
    ... on InsufficientStamps { available }
    ... on UserError { code message field }
  }
}
"""
APPROVE = """
mutation($input: ApproveRedemptionInput!) {
  approveRedemption(input: $input) {
    __typename
    ... on RedemptionSuccess { redemption { id status decidedAt } }
    ... on RedemptionNotPending { status }
    ... on UserError { code message field }
  }
}
"""
CREATE = """
mutation($input: CreateRewardInput!) {
  createReward(input: $input) {
    __typename
    ... on RewardSuccess { reward
      { id name costPoints costStamps productId value requiresApproval isActive } }
    ... on UserError { code message field }
  }
}
"""
UPDATE = """
mutation($input: UpdateRewardInput!) {
  updateReward(input: $input) {
    __typename
    ... on RewardSuccess { reward
      { id name costPoints costStamps value requiresApproval isActive } }
    ... on UserError { code message field }
  }
}
"""
REWARDS = """
query($id: ID!, $first: Int, $after: String, $all: Boolean) {
  store(id: $id) {
    rewards(first: $first, after: $after, includeInactive: $all) {
      edges { node { id name isActive } } pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def reward(store_id: int = 1, **values: Any) -> Reward:
    fields: dict[str, Any] = {"name": "아메리카노 1잔", "value": 4500, **values}
    fields.setdefault("cost_points", None if "cost_stamps" in values else 100)
    return await Reward.create(store_id=store_id, **fields)


async def stamps(customer_id: int, count: int, store_id: int = 1) -> None:
    await StampBalance.create(store_id=store_id, customer_id=customer_id, stamps=count)


async def redeem(
    api: Api, token: str, customer_id: int, reward_id: int, idempotency_key: str | None = None
) -> dict[str, Any]:
    variables = {
        "input": {
            "customerId": gid("Customer", customer_id),
            "rewardId": gid("Reward", reward_id),
            "idempotencyKey": idempotency_key or key("redeem"),
        }
    }
    return (await api.data(REDEEM, variables, token=token))["redeemReward"]


async def approve(
    api: Api, token: str, redemption_id: str, yes: bool, idempotency_key: str | None = None
) -> dict[str, Any]:
    variables = {
        "input": {
            "redemptionId": redemption_id,
            "approve": yes,
            "idempotencyKey": idempotency_key or key("approve"),
        }
    }
    return (await api.data(APPROVE, variables, token=token))["approveRedemption"]
