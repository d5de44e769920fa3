"""Refunds and cancellations under an idempotency key: a retry, even racing, executes once."""

from __future__ import annotations

import asyncio
from typing import Any

from models.audit import AuditEntry
from models.orders import Order, OrderStatus
from models.points import PointEntry
from tests.client import Api, gid
from tests.orders import factories as f
from tests.points import helpers
from tests.points.invariants import check_ledger

PROGRAM = (
    "mutation($input: UpdatePointProgramInput!) "
    "{ updatePointProgram(input: $input) { __typename } }"
)


async def _send(api: Api, token: str, document: str, name: str, **input: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await api.data(document, {"input": input}, token=token))[name]
    return result


async def _completed_order_earning_points(api: Api, customer: int) -> int:
    owner = await helpers.owner(api)
    await api.data(
        PROGRAM, {"input": {"storeId": gid("Store", 1), "earnRateBp": 1000}}, token=owner
    )
    coffee = await f.product(price=10_000)
    made = await f.create_order(
        api, owner, f.order_input(1, [(coffee.id, 1)], customer_id=customer)
    )
    await f.complete(api, owner, made["order"]["id"])
    return f.pk(made["order"]["id"])


async def test_a_retried_partial_refund_refunds_and_reverses_points_once(api: Api) -> None:
    # given a completed order of 10,000 that earned 1,000 points
    customer = await helpers.customer()
    order_id = await _completed_order_earning_points(api, customer)
    owner = await helpers.owner(api)
    refund = {"orderId": gid("Order", order_id), "amount": 3000, "idempotencyKey": "refund-1"}
    # when the same partial refund is sent three times at once, then once more
    racing = await asyncio.gather(
        *[_send(api, owner, f.REFUND_ORDER, "refundOrder", **refund) for _ in range(3)]
    )
    later = await _send(api, owner, f.REFUND_ORDER, "refundOrder", **refund)
    # then it refunded 3,000 and reversed 300 points once, and every answer is the first one
    assert all(answer["__typename"] == "OrderSuccess" for answer in racing), racing
    assert {answer["order"]["refundedAmount"] for answer in [*racing, later]} == {3000}
    order = await Order.get(id=order_id)
    assert (order.refunded_amount, order.status) == (3000, OrderStatus.COMPLETED)
    reversals = await PointEntry.filter(order_id=order_id, kind="REFUND_REVERSAL").values_list(
        "amount", flat=True
    )
    assert reversals == [-300]
    assert await helpers.balance(customer) == 700
    assert await AuditEntry.filter(action="orders.refund").count() == 1
    await check_ledger()


async def test_a_refund_key_reused_for_another_amount_is_a_typed_error(api: Api) -> None:
    # given a partial refund made under a key
    customer = await helpers.customer()
    order_id = await _completed_order_earning_points(api, customer)
    owner = await helpers.owner(api)
    first = {"orderId": gid("Order", order_id), "amount": 3000, "idempotencyKey": "refund-2"}
    await _send(api, owner, f.REFUND_ORDER, "refundOrder", **first)
    # when the key comes back with another amount
    reused = await _send(api, owner, f.REFUND_ORDER, "refundOrder", **{**first, "amount": 1000})
    # then
    assert reused["__typename"] == "IdempotencyKeyReused"
    assert (reused["code"], reused["field"]) == ("IDEMPOTENCY_KEY_REUSED", "idempotencyKey")
    assert (await Order.get(id=order_id)).refunded_amount == 3000


async def test_a_retried_cancellation_cancels_once_and_answers_the_first_result(api: Api) -> None:
    # given an open order
    staff = await helpers.staff(api)
    coffee = await f.product(price=4500)
    made = await f.create_order(api, staff, f.order_input(1, [(coffee.id, 2)]))
    cancel = {"orderId": made["order"]["id"], "reason": "손님 요청", "idempotencyKey": "cancel-1"}
    # when the cancellation is sent three times at once
    answers = await asyncio.gather(
        *[_send(api, staff, f.CANCEL_ORDER, "cancelOrder", **cancel) for _ in range(3)]
    )
    # then each retry answers the cancelled order, not an illegal transition
    assert [answer["__typename"] for answer in answers] == ["OrderSuccess"] * 3, answers
    assert {answer["order"]["status"] for answer in answers} == {"CANCELLED"}
    assert await AuditEntry.filter(action="orders.cancel").count() == 1
    # and the key with another order is a typed error
    other = await f.create_order(api, staff, f.order_input(1, [(coffee.id, 1)]))
    reused = await _send(
        api, staff, f.CANCEL_ORDER, "cancelOrder", **{**cancel, "orderId": other["order"]["id"]}
    )
    assert reused["__typename"] == "IdempotencyKeyReused"
    assert (await Order.get(id=f.pk(other["order"]["id"]))).status == OrderStatus.RECEIVED
