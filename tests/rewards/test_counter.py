"""K1 at the counter: what the balance affords now, a customer's redemptions, and dropping a
chosen reward before payment."""

from __future__ import annotations

from typing import Any

from models.customers import Customer
from models.rewards import Redemption, RedemptionStatus
from tests.authorization.table import changes, snapshot
from tests.client import Api, gid
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger
from tests.rewards import helpers as rewards

CANCEL = """
mutation($input: CancelRedemptionInput!) {
  cancelRedemption(input: $input) {
    __typename
    ... on RedemptionSuccess { redemption { id status pointsSpent } }
    ... on RedemptionNotCancellable { status }
    ... on RedemptionAlreadyApplied { orderId }
    ... on UserError { code field }
  }
}
"""
CUSTOMER = """
query($id: ID!) { node(id: $id) { ... on Customer {
  affordableRewards { totalCount edges { node { name } } }
  redemptions { totalCount edges { node { id status } } }
} } }
"""


async def _cancel(api: Api, token: str, redemption: str) -> dict[str, Any]:
    variables = {"input": {"redemptionId": redemption}}
    return dict((await api.data(CANCEL, variables, token=token))["cancelRedemption"])


async def test_the_counter_sees_what_the_balance_affords_now(api: Api) -> None:
    # given 300 points and 2 stamps, and rewards priced around them
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 300)
    await rewards.stamps(customer, 2)
    for name, price in (("쿠키", {"cost_points": 100}), ("라떼", {"cost_points": 300})):
        await rewards.reward(name=name, **price)
    await rewards.reward(name="케이크", cost_points=500)
    await rewards.reward(name="머핀", cost_points=50, is_active=False)
    await rewards.reward(name="스탬프 쿠키", cost_stamps=2)
    await rewards.reward(name="스탬프 케이크", cost_stamps=5)
    # when
    found = (await api.data(CUSTOMER, {"id": gid("Customer", customer)}, token=token))["node"]
    # then
    affordable = found["affordableRewards"]
    assert [e["node"]["name"] for e in affordable["edges"]] == ["쿠키", "라떼", "스탬프 쿠키"]
    assert affordable["totalCount"] == 3


async def test_a_chosen_reward_is_dropped_before_payment_and_its_points_come_back(
    api: Api,
) -> None:
    # given a redemption made at the counter, and another customer's
    token = await helpers.staff(api)
    customer, other = await helpers.customer(), await helpers.customer()
    await helpers.give(customer, 250)
    await helpers.give(other, 250)
    reward = await rewards.reward(cost_points=100)
    chosen = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    await rewards.redeem(api, token, other, reward.id)
    # when
    dropped = await _cancel(api, token, chosen)
    again = await _cancel(api, token, chosen)
    listed = (await api.data(CUSTOMER, {"id": gid("Customer", customer)}, token=token))["node"]
    # then
    assert dropped == {
        "__typename": "RedemptionSuccess",
        "redemption": {"id": chosen, "status": "RETURNED", "pointsSpent": 100},
    }
    assert again["__typename"] == "RedemptionNotCancellable" and again["status"] == "RETURNED"
    assert await helpers.balance(customer) == 250
    assert (await Customer.get(id=customer)).reward_uses == 0
    assert listed["redemptions"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": chosen, "status": "RETURNED"}}],
    }
    await check_ledger()


async def test_a_redemption_in_an_order_is_not_cancelled(api: Api) -> None:
    # given a redemption applied to an order
    token = await helpers.staff(api)
    customer = await helpers.customer()
    order = await factories.order(customer_id=customer)
    reward = await rewards.reward(cost_points=100)
    applied = await Redemption.create(
        store_id=1,
        customer_id=customer,
        reward_id=reward.id,
        order_id=order.id,
        status=RedemptionStatus.APPLIED,
        points_spent=100,
    )
    before = await snapshot()
    # when
    result = await _cancel(api, token, gid("Redemption", applied.id))
    # then
    assert result["__typename"] == "RedemptionAlreadyApplied"
    assert result["orderId"] == gid("Order", order.id)
    assert not changes(before, await snapshot())
