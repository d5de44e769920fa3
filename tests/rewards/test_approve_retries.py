"""approveRedemption under an idempotency key: a retried rejection gives the points back once."""

from __future__ import annotations

import asyncio

from models.points import PointEntry
from models.rewards import Redemption, RedemptionStatus
from tests.client import Api
from tests.orders.factories import pk
from tests.points import helpers
from tests.points.invariants import check_ledger
from tests.rewards import helpers as rewards


async def test_a_retried_rejection_returns_the_points_once(api: Api) -> None:
    # given a pending redemption of 60 points
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=60, requires_approval=True)
    redemption = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    # when the same rejection is sent three times at once, then once more
    racing = await asyncio.gather(
        *[rewards.approve(api, token, redemption, False, "reject-1") for _ in range(3)]
    )
    later = await rewards.approve(api, token, redemption, False, "reject-1")
    # then every answer is the rejected redemption and the points came back once
    answers = [*racing, later]
    assert {answer["__typename"] for answer in answers} == {"RedemptionSuccess"}, answers
    assert {answer["redemption"]["status"] for answer in answers} == {"REJECTED"}
    assert await PointEntry.filter(customer_id=customer, kind="REDEEM_RETURN").count() == 1
    assert await helpers.balance(customer) == 100
    await check_ledger()


async def test_an_approval_key_reused_for_another_decision_is_a_typed_error(api: Api) -> None:
    # given a redemption approved under a key
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=60, requires_approval=True)
    redemption = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    await rewards.approve(api, token, redemption, True, "decide-1")
    # when the key comes back with a rejection
    reused = await rewards.approve(api, token, redemption, False, "decide-1")
    # then
    assert reused["__typename"] == "IdempotencyKeyReused"
    assert (await Redemption.get(id=pk(redemption))).status == RedemptionStatus.APPROVED
    assert await helpers.balance(customer) == 40
