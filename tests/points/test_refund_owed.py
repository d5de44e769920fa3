"""A refund after the points moved on: the reversal is recorded in full, the rest is owed."""

from __future__ import annotations

from typing import Any

from models.points import PointEntry, PointKind
from tests.client import Api, gid, new_key
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger

OWED = """
query($id: ID!) { node(id: $id) { ... on Customer { pointsBalance pointsOwed
  pointsHistory(first: 5) { edges { node { kind amount owed balanceAfter reason } } } } } }
"""


async def _completed_order(api: Api, customer: int, price: int) -> int:
    order = await factories.order(1, customer_id=customer, price=price, quantity=1)
    await factories.complete(api, await helpers.staff(api), order.id)
    return order.id


async def _refund(api: Api, order_id: int) -> dict[str, Any]:
    variables = {"input": {"orderId": gid("Order", order_id), "idempotencyKey": new_key()}}
    token = await helpers.owner(api)
    result: dict[str, Any] = (await api.data(factories.REFUND_ORDER, variables, token=token))[
        "refundOrder"
    ]
    return result


async def _seen_by_owner(api: Api, customer: int) -> dict[str, Any]:
    token = await helpers.owner(api)
    node: dict[str, Any] = (await api.data(OWED, {"id": gid("Customer", customer)}, token=token))[
        "node"
    ]
    return node


async def test_a_full_refund_after_a_transfer_is_reversed_in_full_and_the_rest_owed(
    api: Api,
) -> None:
    # given an order that earned 90 points, all transferred to another customer
    customer, friend = await helpers.customer(), await helpers.customer()
    order_id = await _completed_order(api, customer, 9000)
    assert await helpers.balance(customer) == 90
    moved = await helpers.transfer(api, await helpers.staff(api), customer, friend, 90)
    assert moved["__typename"] == "TransferPointsSuccess", moved
    # when the order is refunded in full
    refunded = await _refund(api, order_id)
    # then the reversal of 90 is written: nothing to take, all 90 owed, and the owner sees it
    assert refunded["order"]["status"] == "REFUNDED"
    reversal = await PointEntry.get(order_id=order_id, kind=PointKind.REFUND_REVERSAL)
    assert (reversal.amount, reversal.owed, reversal.balance_after) == (0, 90, 0)
    seen = await _seen_by_owner(api, customer)
    assert (seen["pointsBalance"], seen["pointsOwed"]) == (0, 90)
    assert seen["pointsHistory"]["edges"][0]["node"] == {
        "kind": "REFUND_REVERSAL",
        "amount": 0,
        "owed": 90,
        "balanceAfter": 0,
        "reason": "due 90",
    }
    assert await helpers.balance(friend) == 90
    await check_ledger()


async def test_the_next_earnings_settle_what_is_owed_first(api: Api) -> None:
    # given a customer owing 110 points after a full refund of an order that earned 120
    customer, friend = await helpers.customer(), await helpers.customer()
    order_id = await _completed_order(api, customer, 12_000)
    await helpers.transfer(api, await helpers.staff(api), customer, friend, 110)
    await _refund(api, order_id)
    assert (await helpers.balance(customer), await helpers.owed(customer)) == (0, 110)
    # when they earn 50, then 100
    await _completed_order(api, customer, 5000)
    after_first = (await helpers.balance(customer), await helpers.owed(customer))
    await _completed_order(api, customer, 10_000)
    # then the first earning went wholly to the debt, the second settled it and kept the rest
    assert after_first == (0, 60)
    seen = await _seen_by_owner(api, customer)
    assert (seen["pointsBalance"], seen["pointsOwed"]) == (40, 0)
    history = [edge["node"] for edge in seen["pointsHistory"]["edges"]]
    assert [(n["kind"], n["amount"], n["owed"]) for n in history[:2]] == [
        ("REFUND_REVERSAL", -60, -60),
        ("EARN", 100, 0),
    ]
    await check_ledger()


async def test_a_partial_reversal_takes_what_is_there_and_owes_the_rest(api: Api) -> None:
    # given an order that earned 90 points, of which 60 were given away
    customer, friend = await helpers.customer(), await helpers.customer()
    order_id = await _completed_order(api, customer, 9000)
    await helpers.transfer(api, await helpers.staff(api), customer, friend, 60)
    # when it is refunded in full
    await _refund(api, order_id)
    # then 30 are taken back and 60 owed, in one entry
    reversal = await PointEntry.get(order_id=order_id, kind=PointKind.REFUND_REVERSAL)
    assert (reversal.amount, reversal.owed) == (-30, 60)
    assert (await helpers.balance(customer), await helpers.owed(customer)) == (0, 60)
    await check_ledger()
