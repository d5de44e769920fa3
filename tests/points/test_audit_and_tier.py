"""A transfer is audited; adjustments and review points re-evaluate the tier as orders do."""

from __future__ import annotations

from models.audit import AuditEntry
from models.tiers import CustomerTier, Tier, TierChange, TierChangeReason
from tests.checkout import loyalty as lo
from tests.client import Api, gid, new_key
from tests.orders import factories
from tests.points import helpers
from tests.points.helpers import UPDATE_PROGRAM

REVIEW = "mutation($input: SubmitFeedbackInput!) { submitFeedback(input: $input) { __typename } }"


async def test_a_transfer_is_audited_with_both_balances(api: Api) -> None:
    # given
    sender, receiver = await helpers.customer(), await helpers.customer()
    await helpers.give(sender, 100)
    await helpers.give(receiver, 5)
    staff = await helpers.staff(api)
    # when
    result = await helpers.transfer(api, staff, sender, receiver, 30)
    # then
    assert result["__typename"] == "TransferPointsSuccess", result
    entry = await AuditEntry.get(action="points.transfer")
    assert (entry.store_id, entry.target_type, entry.target_id) == (1, "customer", str(sender))
    assert entry.before == {"balance": 100, "to_balance": 5}
    assert entry.after == {
        "balance": 70,
        "to_balance": 35,
        "points": 30,
        "to_customer_id": receiver,
    }
    assert entry.actor_account_id is not None


async def test_adjusting_points_re_evaluates_the_tier_at_once(api: Api) -> None:
    # given a customer who paid 10,000 before the store made a tier for 5,000
    customer = await helpers.customer()
    order = await factories.order(1, customer_id=customer, price=10_000, quantity=1)
    await factories.complete(api, await helpers.staff(api), order.id)
    silver = await lo.tier(rank=1, min_amount=5000)
    assert not await CustomerTier.filter(customer_id=customer, tier_id=silver.id).exists()
    # when the owner adjusts their points
    result = await helpers.adjust(api, await helpers.owner(api), customer, 10)
    # then the upgrade applies now, not at the next periodic evaluation
    assert result["__typename"] == "AdjustPointsSuccess", result
    assert (await CustomerTier.get(customer_id=customer)).tier_id == silver.id
    change = await TierChange.get(customer_id=customer)
    assert change.reason == TierChangeReason.UPGRADE_ON_POINTS


async def test_review_points_re_evaluate_the_tier_at_once(api: Api) -> None:
    # given a programme giving 200 points for a review, and a tier at 200 activity points
    owner = await helpers.owner(api)
    await api.data(
        UPDATE_PROGRAM, {"input": {"storeId": gid("Store", 1), "reviewPoints": 200}}, token=owner
    )
    gold = await lo.tier(rank=1)
    await Tier.filter(id=gold.id).update(min_points=200)
    customer = await helpers.customer()
    # when the customer leaves a review
    review = {
        "storeId": gid("Store", 1),
        "rating": 5,
        "channel": "APP",
        "category": "TASTE",
        "comment": "맛있어요",
        "customerId": gid("Customer", customer),
        "idempotencyKey": new_key(),
    }
    await api.data(REVIEW, {"input": review}, token=await helpers.staff(api))
    # then the review's points lift them to the tier at once
    assert await helpers.balance(customer) == 200
    assert (await CustomerTier.get(customer_id=customer)).tier_id == gold.id
