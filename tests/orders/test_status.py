from __future__ import annotations

import asyncio

from models.audit import AuditEntry
from models.orders import Order, OrderStatus
from tests.client import Api, error_code, gid, new_key
from tests.orders import factories as f


async def _refund(api: Api, token: str, order_id: int, amount: int | None = None) -> dict:
    variables = {
        "input": {"orderId": gid("Order", order_id), "amount": amount, "idempotencyKey": new_key()}
    }
    return (await api.data(f.REFUND_ORDER, variables, token=token))["refundOrder"]


async def _cancel(api: Api, token: str, order_id: int) -> dict:
    variables = {
        "input": {
            "orderId": gid("Order", order_id),
            "reason": "손님 요청",
            "idempotencyKey": new_key(),
        }
    }
    return (await api.data(f.CANCEL_ORDER, variables, token=token))["cancelOrder"]


async def test_an_order_moves_one_step_at_a_time_to_completed(api: Api) -> None:
    # given
    order = await f.order()
    token = await api.token("staff1@dangol.test")
    # when
    seen = [
        (await f.advance(api, token, order.id, to))["order"]["status"]
        for to in ("CONFIRMED", "PREPARING", "READY", "COMPLETED")
    ]
    # then
    assert seen == ["CONFIRMED", "PREPARING", "READY", "COMPLETED"]
    done = await Order.get(id=order.id)
    assert done.completed_at is not None
    assert done.completed_by_id is not None


async def test_skipping_or_going_back_is_an_illegal_transition(api: Api) -> None:
    # given
    order = await f.order(status=OrderStatus.CONFIRMED)
    token = await api.token("owner1@dangol.test")
    # when
    skip = await f.advance(api, token, order.id, "COMPLETED")
    back = await f.advance(api, token, order.id, "RECEIVED")
    same = await f.advance(api, token, order.id, "CONFIRMED")
    refund_by_advance = await f.advance(api, token, order.id, "REFUNDED")
    # then
    assert skip == {
        "__typename": "IllegalOrderTransition",
        "from": "CONFIRMED",
        "to": "COMPLETED",
        "code": "ILLEGAL_ORDER_TRANSITION",
        "message": skip["message"],
        "field": "to",
    }
    assert [(r["from"], r["to"]) for r in (back, same, refund_by_advance)] == [
        ("CONFIRMED", "RECEIVED"),
        ("CONFIRMED", "CONFIRMED"),
        ("CONFIRMED", "REFUNDED"),
    ]
    assert (await Order.get(id=order.id)).status == OrderStatus.CONFIRMED


async def test_fifty_racing_advances_move_the_order_once(api: Api) -> None:
    # given
    order = await f.order()
    token = await api.token("staff1@dangol.test")
    # when
    results = await asyncio.gather(
        *(f.advance(api, token, order.id, "CONFIRMED") for _ in range(50))
    )
    # then
    kinds = [r["__typename"] for r in results]
    assert kinds.count("OrderSuccess") == 1
    assert kinds.count("IllegalOrderTransition") == 49
    assert (await Order.get(id=order.id)).status == OrderStatus.CONFIRMED


async def test_completion_is_a_visit_and_the_first_one_is_flagged(api: Api) -> None:
    # given
    customer = await f.customer()
    first = await f.order(customer_id=customer, price=4500, quantity=2)
    second = await f.order(customer_id=customer, price=3000, quantity=1)
    token = await api.token("manager1@dangol.test")
    # when
    done_first = await f.complete(api, token, first.id)
    after_first = await f.visits(customer)
    done_second = await f.complete(api, token, second.id)
    after_second = await f.visits(customer)
    # then
    assert (done_first["isFirstVisit"], done_second["isFirstVisit"]) == (True, False)
    assert done_second["completedBy"] == {"email": "manager1@dangol.test", "name": "Manager 1"}
    assert (after_first["visit_count"], after_first["total_paid"]) == (1, 9000)
    assert (after_second["visit_count"], after_second["total_paid"]) == (2, 12000)
    assert after_second["first_visit_at"] == after_first["first_visit_at"]
    assert after_second["last_visit_at"] == (await Order.get(id=second.id)).completed_at


async def test_racing_completions_flag_exactly_one_first_visit(api: Api) -> None:
    # given
    customer = await f.customer()
    orders = [
        await f.order(customer_id=customer, status=OrderStatus.READY, price=1000, quantity=1)
        for _ in range(6)
    ]
    token = await api.token("staff1@dangol.test")
    # when
    results = await asyncio.gather(*(f.advance(api, token, o.id, "COMPLETED") for o in orders))
    # then
    assert [r["order"]["isFirstVisit"] for r in results].count(True) == 1
    visits = await f.visits(customer)
    assert (visits["visit_count"], visits["total_paid"]) == (6, 6000)


async def test_racing_completions_time_the_visits_in_the_order_they_count(api: Api) -> None:
    # given: five customers, each with six orders ready at the counter
    token = await api.token("staff1@dangol.test")
    rounds = []
    for _ in range(5):
        customer = await f.customer()
        rounds.append(
            (
                customer,
                [
                    await f.order(customer_id=customer, status=OrderStatus.READY, price=1000)
                    for _ in range(6)
                ],
            )
        )
    for customer, orders in rounds:
        # when all six complete at once
        await asyncio.gather(*(f.advance(api, token, o.id, "COMPLETED") for o in orders))
        # then the first visit is the earliest completion and the last visit the latest
        done = await Order.filter(customer_id=customer).order_by("completed_at", "id")
        visits = await f.visits(customer)
        assert [o.is_first_visit for o in done] == [True] + [False] * 5
        assert visits["first_visit_at"] == done[0].completed_at
        assert visits["last_visit_at"] == max(o.completed_at for o in done if o.completed_at)


async def test_an_order_without_a_customer_completes_without_a_visit(api: Api) -> None:
    # given
    order = await f.order(status=OrderStatus.READY)
    token = await api.token("staff1@dangol.test")
    # when
    result = await f.advance(api, token, order.id, "COMPLETED")
    # then
    assert result["order"]["status"] == "COMPLETED"
    assert result["order"]["isFirstVisit"] is False


async def test_an_open_order_can_be_cancelled_but_not_a_completed_one(api: Api) -> None:
    # given
    open_order = await f.order(status=OrderStatus.PREPARING)
    completed = await f.order(status=OrderStatus.COMPLETED)
    token = await api.token("staff1@dangol.test")
    # when
    cancelled = await _cancel(api, token, open_order.id)
    refused = await _cancel(api, token, completed.id)
    advance_cancelled = await f.advance(api, token, open_order.id, "READY")
    # then
    assert cancelled["order"]["status"] == "CANCELLED"
    assert (refused["from"], refused["to"]) == ("COMPLETED", "CANCELLED")
    assert (advance_cancelled["from"], advance_cancelled["to"]) == ("CANCELLED", "READY")
    assert (await Order.get(id=completed.id)).status == OrderStatus.COMPLETED
    assert (
        await AuditEntry.filter(action="orders.cancel", target_id=str(open_order.id)).count() == 1
    )


async def test_partial_refunds_up_to_the_total_then_the_order_is_refunded(api: Api) -> None:
    # given
    customer = await f.customer()
    order = await f.order(customer_id=customer, price=5000, quantity=2)
    token = await api.token("owner1@dangol.test")
    await f.complete(api, token, order.id)
    # when
    partial = await _refund(api, token, order.id, 3000)
    too_much = await _refund(api, token, order.id, 8000)
    rest = await _refund(api, token, order.id)
    after = await _refund(api, token, order.id, 1)
    # then
    assert (partial["order"]["status"], partial["order"]["refundedAmount"]) == ("COMPLETED", 3000)
    assert (too_much["__typename"], too_much["remaining"]) == ("RefundExceedsRemaining", 7000)
    assert (rest["order"]["status"], rest["order"]["refundedAmount"]) == ("REFUNDED", 10000)
    assert (after["from"], after["to"]) == ("REFUNDED", "REFUNDED")
    visits = await f.visits(customer)
    assert (visits["visit_count"], visits["total_paid"]) == (0, 0)
    assert visits["first_visit_at"] is not None and visits["last_visit_at"] is not None
    assert await AuditEntry.filter(action="orders.refund", target_id=str(order.id)).count() == 2


async def test_a_partial_refund_keeps_the_visit(api: Api) -> None:
    # given
    customer = await f.customer()
    order = await f.order(customer_id=customer, price=5000, quantity=2)
    token = await api.token("manager1@dangol.test")
    await f.complete(api, token, order.id)
    # when
    await _refund(api, token, order.id, 4000)
    # then
    visits = await f.visits(customer)
    assert (visits["visit_count"], visits["total_paid"]) == (1, 6000)


async def test_an_order_not_completed_cannot_be_refunded(api: Api) -> None:
    # given
    order = await f.order(status=OrderStatus.READY)
    token = await api.token("owner1@dangol.test")
    # when
    result = await _refund(api, token, order.id)
    zero = await _refund(api, token, (await f.order(status=OrderStatus.COMPLETED)).id, 0)
    # then
    assert (result["from"], result["to"]) == ("READY", "REFUNDED")
    assert zero["__typename"] == "InvalidInput"
    assert (await Order.get(id=order.id)).refunded_amount == 0


async def test_racing_refunds_never_exceed_the_total(api: Api) -> None:
    # given
    customer = await f.customer()
    order = await f.order(customer_id=customer, price=1000, quantity=4)
    token = await api.token("owner1@dangol.test")
    await f.complete(api, token, order.id)
    # when
    results = await asyncio.gather(*(_refund(api, token, order.id, 1500) for _ in range(8)))
    # then
    assert [r["__typename"] for r in results].count("OrderSuccess") == 2
    assert (await Order.get(id=order.id)).refunded_amount == 3000
    assert (await f.visits(customer))["total_paid"] == 1000


async def test_staff_cannot_refund_and_nothing_changes(api: Api) -> None:
    # given
    order = await f.order(status=OrderStatus.COMPLETED)
    token = await api.token("staff1@dangol.test")
    # when
    body = await api.gql(
        f.REFUND_ORDER,
        {"input": {"orderId": gid("Order", order.id), "idempotencyKey": new_key()}},
        token=token,
    )
    # then
    assert error_code(body) == "FORBIDDEN"
    unchanged = await Order.get(id=order.id)
    assert (unchanged.status, unchanged.refunded_amount) == (OrderStatus.COMPLETED, 0)
    assert await AuditEntry.filter(action="orders.refund").count() == 0


async def test_another_stores_order_is_absent(api: Api) -> None:
    # given
    order = await f.order(f.STORE_2)
    token = await api.token("owner1@dangol.test")
    # when
    result = await f.advance(api, token, order.id, "CONFIRMED")
    # then
    assert result["__typename"] == "NotFound"
    assert (await Order.get(id=order.id)).status == OrderStatus.RECEIVED
