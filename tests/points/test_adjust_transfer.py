from __future__ import annotations

import asyncio

from models.audit import AuditEntry
from models.outbox import OutboxMessage
from models.points import PointEntry
from tests.client import Api, gid
from tests.points import helpers
from tests.points.invariants import check_ledger


async def test_owner_adjusts_up_and_down_with_a_reason_audited_and_nobody_notified(
    api: Api,
) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    # when
    up = await helpers.adjust(api, token, customer, 500, reason="apology")
    down = await helpers.adjust(api, token, customer, -200, reason="typo")
    # then
    assert up["__typename"] == "AdjustPointsSuccess", up
    assert (
        up["balance"] == 500
        and up["entry"]["kind"] == "ADJUST"
        and up["entry"]["source"] == "MANUAL"
    )
    assert (
        down["balance"] == 300
        and down["entry"]["amount"] == -200
        and down["entry"]["reason"] == "typo"
    )
    assert await helpers.balance(customer) == 300
    assert await AuditEntry.filter(action="points.adjust").count() == 2
    assert await OutboxMessage.filter(customer_id=customer).count() == 0
    await check_ledger()


async def test_a_decrease_below_zero_is_a_typed_error_that_changes_nothing(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    # when
    result = await helpers.adjust(api, token, customer, -101)
    # then
    assert result["__typename"] == "InsufficientPoints" and result["available"] == 100
    assert await helpers.balance(customer) == 100
    assert await PointEntry.filter(customer_id=customer).count() == 1
    assert await AuditEntry.filter(action="points.adjust").count() == 0
    await check_ledger()


async def test_bad_adjustments_are_invalid_input(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    # when
    zero = await helpers.adjust(api, token, customer, 0)
    no_reason = await helpers.adjust(api, token, customer, 10, reason="  ")
    blank_key = await helpers.adjust(api, token, customer, 10, idempotencyKey="")
    # then
    assert [r["field"] for r in (zero, no_reason, blank_key)] == [
        "points",
        "reason",
        "idempotencyKey",
    ]
    assert {r["__typename"] for r in (zero, no_reason, blank_key)} == {"InvalidInput"}
    assert await PointEntry.filter(customer_id=customer).count() == 0


async def test_transfer_moves_points_and_notifies_both(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    sender, receiver = await helpers.customer(), await helpers.customer()
    await helpers.give(sender, 300)
    # when
    result = await helpers.transfer(api, token, sender, receiver, 120)
    # then
    assert result["__typename"] == "TransferPointsSuccess", result
    assert result["sent"]["amount"] == -120 and result["sent"]["balanceAfter"] == 180
    assert result["received"]["amount"] == 120 and result["received"]["balanceAfter"] == 120
    assert await helpers.balance(sender) == 180 and await helpers.balance(receiver) == 120
    kinds = await OutboxMessage.filter(customer_id__in=[sender, receiver]).values_list(
        "customer_id", "kind"
    )
    assert sorted(kinds) == sorted(
        [(sender, "points_transfer_sent"), (receiver, "points_transfer_received")]
    )
    await check_ledger()


async def test_transfer_refuses_oneself_nonpositive_too_much_and_other_stores(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    sender, receiver = await helpers.customer(), await helpers.customer()
    stranger = await helpers.customer(store_id=2)
    await helpers.give(sender, 50)
    # when
    results = [
        await helpers.transfer(api, token, sender, sender, 10),
        await helpers.transfer(api, token, sender, receiver, 0),
        await helpers.transfer(api, token, sender, receiver, -5),
        await helpers.transfer(api, token, sender, receiver, 51),
        await helpers.transfer(api, token, sender, stranger, 10),
        await helpers.transfer(api, token, stranger, sender, 10),
    ]
    # then
    assert [r["__typename"] for r in results] == [
        "InvalidInput",
        "InvalidInput",
        "InvalidInput",
        "InsufficientPoints",
        "NotFound",
        "NotFound",
    ]
    assert results[3]["available"] == 50
    assert await helpers.balance(sender) == 50
    assert await PointEntry.all().count() == 1
    assert await OutboxMessage.filter(customer_id__isnull=False).count() == 0  # no message sent
    await check_ledger()


async def test_spending_consumes_lots_oldest_first(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    sender, receiver = await helpers.customer(), await helpers.customer()
    first = await helpers.give(sender, 100)
    second = await helpers.give(sender, 100)
    # when
    await helpers.transfer(api, token, sender, receiver, 150)
    # then
    assert (await PointEntry.get(id=first.id)).remaining == 0
    assert (await PointEntry.get(id=second.id)).remaining == 50
    await check_ledger()


async def test_a_retried_transfer_moves_points_once_and_replays_the_answer(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    sender, receiver = await helpers.customer(), await helpers.customer()
    await helpers.give(sender, 100)
    # when
    first = await helpers.transfer(api, token, sender, receiver, 40, "same")
    again = await helpers.transfer(api, token, sender, receiver, 40, "same")
    other = await helpers.transfer(api, token, sender, receiver, 41, "same")
    # then
    assert again == first
    assert other["__typename"] == "IdempotencyKeyReused"
    assert await helpers.balance(sender) == 60
    await check_ledger()


async def test_fifty_racing_requests_with_one_key_execute_once(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    # when
    results = await asyncio.gather(
        *(
            helpers.adjust(api, token, customer, 7, idempotencyKey="race", reason="r")
            for _ in range(50)
        )
    )
    # then
    assert results[0]["__typename"] == "AdjustPointsSuccess", results[0]
    assert all(result == results[0] for result in results)
    assert await helpers.balance(customer) == 7
    assert await PointEntry.filter(customer_id=customer).count() == 1
    assert await AuditEntry.filter(action="points.adjust").count() == 1
    await check_ledger()


async def test_history_is_newest_first_and_paged_with_the_balance(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    for points in (10, 20, 30):
        await helpers.adjust(api, token, customer, points)
    # when
    first = await api.data(
        helpers.HISTORY, {"id": gid("Customer", customer), "first": 2}, token=token
    )
    cursor = first["node"]["pointsHistory"]["pageInfo"]["endCursor"]
    rest = await api.data(
        helpers.HISTORY, {"id": gid("Customer", customer), "first": 2, "after": cursor}, token=token
    )
    # then
    page = first["node"]["pointsHistory"]
    assert first["node"]["pointsBalance"] == 60
    assert [e["node"]["amount"] for e in page["edges"]] == [30, 20]
    assert page["pageInfo"]["hasNextPage"] is True
    assert [e["node"]["balanceAfter"] for e in rest["node"]["pointsHistory"]["edges"]] == [10]
    assert rest["node"]["pointsHistory"]["pageInfo"]["hasNextPage"] is False
