"""K2: a completed order without a customer is given one within the window, and earns then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.orders import Order, OrderStatus
from models.rewards import StampCard, StampRule
from resolvers.analytics import rollups
from tests.analytics.helpers import normalised, stored
from tests.authorization.table import changes, snapshot
from tests.checkout import loyalty as lo
from tests.client import Api, gid
from tests.orders import factories as f
from tests.points import helpers as points

ATTACH = """
mutation($input: AttachOrderCustomerInput!) {
  attachOrderCustomer(input: $input) {
    __typename
    ... on OrderSuccess { order { id customerId isFirstVisit } }
    ... on OrderHasCustomer { customerId }
    ... on OrderNotCompleted { status }
    ... on AttachWindowClosed { closedAt }
    ... on UserError { code field }
  }
}
"""


async def _paid_without_customer(api: Api, token: str, price: int = 9000) -> str:
    item = await f.product(price=price)
    made = await lo.checkout(api, token, [(item.id, 1)])
    assert made["__typename"] == "OrderSuccess", made
    order = await f.complete(api, token, made["order"]["id"])
    return str(order["id"])


def _input(order: str, customer: int, key: str = "attach-1") -> dict[str, Any]:
    return {
        "input": {
            "orderId": order,
            "customerId": gid("Customer", customer),
            "idempotencyKey": key,
        }
    }


async def test_a_paid_order_given_its_customer_earns_a_visit_points_and_a_stamp(api: Api) -> None:
    # given an order paid without a customer, and the regular who then types their phone
    await StampCard.create(store_id=1, stamps_required=10, rule=StampRule.PER_VISIT)
    token = await api.token("staff1@dangol.test")
    order = await _paid_without_customer(api, token)
    customer = await f.customer()
    # when
    first = (await api.data(ATTACH, _input(order, customer), token=token))["attachOrderCustomer"]
    retried = (await api.data(ATTACH, _input(order, customer), token=token))["attachOrderCustomer"]
    # then: the order is the customer's first visit and earned 1% once, with a stamp
    assert first == {
        "__typename": "OrderSuccess",
        "order": {"id": order, "customerId": gid("Customer", customer), "isFirstVisit": True},
    }
    assert retried == first
    assert await points.balance(customer) == 90
    assert (await f.visits(customer))["visit_count"] == 1
    card = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Customer { stampCard { stamps } } } }",
        {"id": gid("Customer", customer)},
        token=token,
    )
    assert card["node"]["stampCard"] == {"stamps": 1}
    # and the store's analytics count the visit as the customer's, as a fresh recount does
    assert await stored(1) == normalised(await rollups.recompute(1))


async def test_an_order_earns_for_one_customer_only(api: Api) -> None:
    # given an order already given a customer
    token = await api.token("staff1@dangol.test")
    order = await _paid_without_customer(api, token)
    first, second = await f.customer(), await f.customer()
    await api.data(ATTACH, _input(order, first), token=token)
    before = await snapshot()
    # when
    result = (await api.data(ATTACH, _input(order, second, "attach-2"), token=token))[
        "attachOrderCustomer"
    ]
    # then
    assert result == {
        "__typename": "OrderHasCustomer",
        "customerId": gid("Customer", first),
        "code": "ORDER_HAS_CUSTOMER",
        "field": "orderId",
    }
    assert not changes(before, await snapshot())
    assert await points.balance(second) == 0


async def test_after_the_window_or_before_completion_nothing_is_attached(api: Api) -> None:
    # given an order completed two hours ago, and one still being prepared
    token = await api.token("staff1@dangol.test")
    late = await _paid_without_customer(api, token)
    await Order.filter(id=f.pk(late)).update(completed_at=datetime.now(UTC) - timedelta(hours=2))
    open_order = await f.order(status=OrderStatus.PREPARING)
    customer = await f.customer()
    before = await snapshot()
    # when
    closed = (await api.data(ATTACH, _input(late, customer), token=token))["attachOrderCustomer"]
    preparing = (
        await api.data(
            ATTACH, _input(gid("Order", open_order.id), customer, "attach-2"), token=token
        )
    )["attachOrderCustomer"]
    # then
    assert closed["__typename"] == "AttachWindowClosed" and closed["closedAt"]
    assert preparing["__typename"] == "OrderNotCompleted"
    assert preparing["status"] == "PREPARING"
    assert not changes(before, await snapshot())


async def test_a_customer_of_another_store_is_not_found(api: Api) -> None:
    # given
    token = await api.token("staff1@dangol.test")
    order = await _paid_without_customer(api, token)
    stranger = await f.customer(f.STORE_2)
    # when
    result = (await api.data(ATTACH, _input(order, stranger), token=token))["attachOrderCustomer"]
    # then
    assert result == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "customerId"}
    assert (await Order.get(id=f.pk(order))).customer_id is None
