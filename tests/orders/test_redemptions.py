"""createOrder with redemptions it cannot use answers the typed errors of its union."""

from __future__ import annotations

from typing import Any

from models.orders import Order
from models.rewards import Redemption, RedemptionStatus
from tests.client import Api, gid
from tests.orders import factories as f
from tests.points import helpers
from tests.rewards import helpers as rewards

CREATE = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    __typename
    ... on OrderSuccess { order { id total } }
    ... on RedemptionNotApproved { status }
    ... on RedemptionAlreadyApplied { orderId }
    ... on UserError { code message field }
  }
}
"""


async def _redeemed(api: Api, token: str, customer: int, **reward: Any) -> str:
    made = await rewards.reward(**reward)
    result = await rewards.redeem(api, token, customer, made.id)
    assert result["__typename"] == "RedemptionSuccess", result
    redemption: str = result["redemption"]["id"]
    return redemption


async def _order(api: Api, token: str, customer: int, product: int, redemption: str) -> Any:
    variables = f.order_input(1, [(product, 1)], customer_id=customer, redemptionIds=[redemption])
    return (await api.data(CREATE, variables, token=token))["createOrder"]


async def test_unusable_redemptions_answer_typed_errors_and_create_nothing(api: Api) -> None:
    # given: a pending redemption, another customer's, and one already applied to an order
    token = await helpers.staff(api)
    customer, other = await helpers.customer(), await helpers.customer()
    await helpers.give(customer, 1000)
    await helpers.give(other, 1000)
    coffee = await f.product(price=4500)
    pending = await _redeemed(api, token, customer, cost_points=100, requires_approval=True)
    theirs = await _redeemed(api, token, other, cost_points=100)
    used = await _redeemed(api, token, customer, cost_points=100)
    first = await _order(api, token, customer, coffee.id, used)
    assert first["__typename"] == "OrderSuccess", first
    # when
    not_approved = await _order(api, token, customer, coffee.id, pending)
    of_another = await _order(api, token, customer, coffee.id, theirs)
    applied = await _order(api, token, customer, coffee.id, used)
    # then
    assert not_approved == {
        "__typename": "RedemptionNotApproved",
        "status": "PENDING",
        "code": "REDEMPTION_NOT_APPROVED",
        "message": "The redemption is PENDING, not APPROVED.",
        "field": "redemptionIds.0",
    }
    assert of_another["__typename"] == "RedemptionOfAnotherCustomer"
    assert of_another["code"] == "REDEMPTION_OF_ANOTHER_CUSTOMER"
    assert applied["__typename"] == "RedemptionAlreadyApplied"
    assert applied["orderId"] == first["order"]["id"]
    assert await Order.all().count() == 1
    statuses = dict(await Redemption.all().values_list("id", "status"))
    assert statuses[f.pk(pending)] == RedemptionStatus.PENDING
    assert statuses[f.pk(theirs)] == RedemptionStatus.APPROVED
    assert gid("Redemption", f.pk(used)) == used
