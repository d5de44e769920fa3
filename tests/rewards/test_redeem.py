from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from models.customers import Customer
from models.outbox import OutboxMessage
from models.points import PointEntry
from models.rewards import Redemption, RedemptionStatus, StampBalance, StampEntry
from tests.client import Api, gid
from tests.orders.factories import pk
from tests.points import helpers
from tests.points.invariants import check_ledger
from tests.rewards import helpers as rewards
from tests.statements import recorded


async def test_redeeming_spends_points_into_an_approved_redemption(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 250)
    reward = await rewards.reward(cost_points=100)
    # when
    result = await rewards.redeem(api, token, customer, reward.id)
    # then
    assert result["__typename"] == "RedemptionSuccess", result
    assert (
        result["redemption"]["status"] == "APPROVED" and result["redemption"]["pointsSpent"] == 100
    )
    assert await helpers.balance(customer) == 150
    entry = await PointEntry.get(customer_id=customer, kind="REDEEM")
    assert entry.amount == -100 and entry.reference_id == str(pk(result["redemption"]["id"]))
    assert (await Customer.get(id=customer)).reward_uses == 1
    await check_ledger()


async def test_redeeming_more_than_the_balance_or_an_inactive_reward_changes_nothing(
    api: Api,
) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 99)
    dear = await rewards.reward(cost_points=100)
    retired = await rewards.reward(cost_points=10, is_active=False)
    elsewhere = await rewards.reward(store_id=2, cost_points=10)
    # when
    short = await rewards.redeem(api, token, customer, dear.id)
    inactive = await rewards.redeem(api, token, customer, retired.id)
    foreign = await rewards.redeem(api, token, customer, elsewhere.id)
    # then
    assert short["__typename"] == "InsufficientPoints" and short["available"] == 99
    assert inactive["__typename"] == "RewardInactive"
    assert foreign["__typename"] == "NotFound" and foreign["field"] == "rewardId"
    assert await Redemption.all().count() == 0
    assert await helpers.balance(customer) == 99
    assert await PointEntry.filter(customer_id=customer).count() == 1
    await check_ledger()


async def test_a_reward_priced_in_stamps_spends_stamps(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer, poor = await helpers.customer(), await helpers.customer()
    await rewards.stamps(customer, 10)
    await rewards.stamps(poor, 9)
    reward = await rewards.reward(cost_points=None, cost_stamps=10)
    # when
    result = await rewards.redeem(api, token, customer, reward.id)
    refused = await rewards.redeem(api, token, poor, reward.id)
    # then
    assert result["redemption"]["stampsSpent"] == 10 and result["redemption"]["pointsSpent"] == 0
    assert (await StampBalance.get(customer_id=customer)).stamps == 0
    entry = await StampEntry.get(customer_id=customer)
    assert entry.amount == -10 and entry.balance_after == 0
    assert refused["__typename"] == "InsufficientStamps" and refused["available"] == 9
    assert (await StampBalance.get(customer_id=poor)).stamps == 9


async def test_a_reward_needing_approval_waits_and_tells_the_staff(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=100, requires_approval=True)
    # when
    result = await rewards.redeem(api, token, customer, reward.id)
    # then
    assert result["redemption"]["status"] == "PENDING"
    assert await helpers.balance(customer) == 0
    messages = await OutboxMessage.filter(kind="redemption_approval_needed").values_list(
        "account_id", flat=True
    )
    assert len(messages) == 3 and None not in messages
    assert (await Customer.get(id=customer)).reward_uses == 0


async def test_staff_approve_and_a_decision_is_taken_once(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=100, requires_approval=True)
    redemption = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    # when
    approved = await rewards.approve(api, token, redemption, True)
    again = await rewards.approve(api, token, redemption, False)
    # then
    assert approved["redemption"]["status"] == "APPROVED"
    assert again["__typename"] == "RedemptionNotPending" and again["status"] == "APPROVED"
    assert await helpers.balance(customer) == 0
    assert (await Customer.get(id=customer)).reward_uses == 1
    await check_ledger()


async def test_rejecting_gives_the_points_back(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=60, requires_approval=True)
    redemption = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    # when
    rejected = await rewards.approve(api, token, redemption, False)
    # then
    assert rejected["redemption"]["status"] == "REJECTED"
    assert await helpers.balance(customer) == 100
    back = await PointEntry.get(customer_id=customer, kind="REDEEM_RETURN")
    assert back.amount == 60
    await check_ledger()


async def test_points_given_back_expire_when_the_points_spent_would_have(api: Api) -> None:
    # given two lots, the older expiring in ten days
    token = await helpers.owner(api)
    customer = await helpers.customer()
    soon = datetime.now(UTC) + timedelta(days=10)
    await helpers.give(customer, 50, expires_at=soon)
    await helpers.give(customer, 50, expires_at=soon + timedelta(days=300))
    reward = await rewards.reward(cost_points=80, requires_approval=True)
    redemption = (await rewards.redeem(api, token, customer, reward.id))["redemption"]["id"]
    # when the redemption is rejected
    await rewards.approve(api, token, redemption, False)
    # then the points come back with the earliest expiry of those it took, not a fresh or no expiry
    back = await PointEntry.get(customer_id=customer, kind="REDEEM_RETURN")
    assert back.amount == 80 and back.expires_at == soon
    await check_ledger()


async def test_fifty_racing_redemptions_of_the_last_hundred_points_succeed_once(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    reward = await rewards.reward(cost_points=100)
    # when
    results = await asyncio.gather(
        *(rewards.redeem(api, token, customer, reward.id) for _ in range(50))
    )
    # then
    kinds = [result["__typename"] for result in results]
    assert kinds.count("RedemptionSuccess") == 1, kinds
    assert kinds.count("InsufficientPoints") == 49
    assert await helpers.balance(customer) == 0
    assert await PointEntry.filter(customer_id=customer, kind="REDEEM").count() == 1
    assert await Redemption.all().count() == 1
    await check_ledger()


async def test_fifty_racing_redemptions_with_one_key_execute_once(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 1000)
    reward = await rewards.reward(cost_points=100)
    # when
    results = await asyncio.gather(
        *(rewards.redeem(api, token, customer, reward.id, "one-key") for _ in range(50))
    )
    # then
    assert results[0]["__typename"] == "RedemptionSuccess", results[0]
    assert all(result == results[0] for result in results)
    assert await helpers.balance(customer) == 900
    assert await Redemption.filter(status=RedemptionStatus.APPROVED).count() == 1
    await check_ledger()


PENDING = """
query($id: ID!, $status: RedemptionStatus, $first: Int, $after: String) {
  store(id: $id) {
    redemptions(status: $status, first: $first, after: $after) {
      edges { node { id status pointsSpent reward { name } } } pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def test_staff_find_the_redemptions_waiting_for_approval(api: Api) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 1000)
    waits = await rewards.reward(cost_points=100, requires_approval=True, name="케이크")
    instant = await rewards.reward(cost_points=100)
    for reward_id in (waits.id, instant.id, waits.id, waits.id):
        await rewards.redeem(api, token, customer, reward_id)
    # when
    first = await api.data(
        PENDING, {"id": gid("Store", 1), "status": "PENDING", "first": 2}, token=token
    )
    page = first["store"]["redemptions"]
    rest = await api.data(
        PENDING,
        {
            "id": gid("Store", 1),
            "status": "PENDING",
            "first": 2,
            "after": page["pageInfo"]["endCursor"],
        },
        token=token,
    )
    # then
    assert [e["node"]["reward"]["name"] for e in page["edges"]] == ["케이크", "케이크"]
    assert page["pageInfo"]["hasNextPage"] is True
    assert len(rest["store"]["redemptions"]["edges"]) == 1


async def test_listing_redemptions_with_their_rewards_costs_the_same_statements_per_page(
    api: Api,
) -> None:
    # given
    token = await helpers.staff(api)
    customer = await helpers.customer()
    await helpers.give(customer, 10_000)
    variables = {"id": gid("Store", 1)}
    await rewards.redeem(api, token, customer, (await rewards.reward(cost_points=10)).id)
    await api.data(PENDING, variables, token=token)  # the store's row is kept from now on
    with recorded() as few:
        await api.data(PENDING, variables, token=token)
    for _ in range(6):
        await rewards.redeem(api, token, customer, (await rewards.reward(cost_points=10)).id)
    # when
    with recorded() as many:
        body = await api.data(PENDING, variables, token=token)
    # then
    assert len(body["store"]["redemptions"]["edges"]) == 7
    assert len(many) == len(few)
