"""The functions checkout and cancellation use: ``apply_to_order`` and ``return_for_order``."""

from __future__ import annotations

from typing import Any

import pytest

from core.database import write_transaction
from core.errors import (
    InvalidInput,
    NotFound,
    RedemptionAlreadyApplied,
    RedemptionNotApproved,
    RedemptionOfAnotherCustomer,
)
from models.customers import Customer
from models.orders import OrderStatus
from models.points import PointEntry
from models.rewards import Redemption, RedemptionStatus, StampBalance
from resolvers import rewards as domain
from tests.client import Api, gid, new_key
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger
from tests.rewards import helpers as rewards


async def _redeemed(api: Api, customer: int, **reward: Any) -> int:
    token = await helpers.staff(api)
    made = await rewards.reward(**reward)
    result = await rewards.redeem(api, token, customer, made.id)
    assert result["__typename"] == "RedemptionSuccess", result
    return factories.pk(result["redemption"]["id"])


async def _apply(
    customer: int, order_id: int, ids: list[int], store_id: int = 1
) -> list[domain.AppliedReward]:
    async with write_transaction():
        return await domain.apply_to_order(
            store_id=store_id, customer_id=customer, order_id=order_id, redemption_ids=ids
        )


async def test_apply_marks_approved_redemptions_applied_with_their_value(api: Api) -> None:
    # given
    customer = await helpers.customer()
    await helpers.give(customer, 500)
    gift = await factories.product(1, name="쿠키")
    first = await _redeemed(api, customer, cost_points=100, value=4500, name="아메리카노")
    second = await _redeemed(
        api, customer, cost_points=200, value=0, name="쿠키", product_id=gift.id
    )
    order = await factories.order(1, customer_id=customer)
    # when
    applied = await _apply(customer, order.id, [first, second])
    # then
    assert applied == [
        domain.AppliedReward(
            redemption_id=first, amount=4500, description="아메리카노", gift_product_id=None
        ),
        domain.AppliedReward(
            redemption_id=second, amount=0, description="쿠키", gift_product_id=gift.id
        ),
    ]
    rows = await Redemption.filter(id__in=[first, second]).values_list("status", "order_id")
    assert set(rows) == {(RedemptionStatus.APPLIED, order.id)}


async def test_apply_refuses_what_is_not_usable_and_changes_nothing(api: Api) -> None:
    # given
    customer, other = await helpers.customer(), await helpers.customer()
    await helpers.give(customer, 1000)
    await helpers.give(other, 1000)
    order = await factories.order(1, customer_id=customer)
    pending = await _redeemed(api, customer, cost_points=100, requires_approval=True)
    theirs = await _redeemed(api, other, cost_points=100)
    used = await _redeemed(api, customer, cost_points=100)
    await _apply(customer, (await factories.order(1, customer_id=customer)).id, [used])
    fine = await _redeemed(api, customer, cost_points=100)
    cases = [
        ([fine, pending], RedemptionNotApproved),
        ([theirs], RedemptionOfAnotherCustomer),
        ([used], RedemptionAlreadyApplied),
        ([fine, fine], InvalidInput),
        ([999_999], NotFound),
    ]
    for ids, error in cases:
        # when / then
        with pytest.raises(error):
            await _apply(customer, order.id, ids)
    with pytest.raises(NotFound):
        await _apply(customer, order.id, [fine], store_id=2)
    assert (await Redemption.get(id=fine)).status == RedemptionStatus.APPROVED
    assert await Redemption.filter(order_id=order.id).count() == 0


async def test_cancelling_the_order_gives_applied_points_and_stamps_back(api: Api) -> None:
    # given
    token = await helpers.owner(api)
    customer = await helpers.customer()
    await helpers.give(customer, 300)
    await rewards.stamps(customer, 10)
    by_points = await _redeemed(api, customer, cost_points=100)
    by_stamps = await _redeemed(api, customer, cost_stamps=10)
    order = await factories.order(1, customer_id=customer)
    await _apply(customer, order.id, [by_points, by_stamps])
    # when
    cancelled = await api.data(
        factories.CANCEL_ORDER,
        {"input": {"orderId": gid("Order", order.id), "idempotencyKey": new_key()}},
        token=token,
    )
    # then
    assert cancelled["cancelOrder"]["order"]["status"] == "CANCELLED"
    assert await helpers.balance(customer) == 300
    assert (await StampBalance.get(customer_id=customer)).stamps == 10
    statuses = await Redemption.filter(order_id=order.id).values_list("status", flat=True)
    assert set(statuses) == {RedemptionStatus.RETURNED}
    assert (await Customer.get(id=customer)).reward_uses == 0
    assert await PointEntry.filter(customer_id=customer, kind="REDEEM_RETURN").count() == 1
    await check_ledger()


async def test_return_for_order_gives_back_once(api: Api) -> None:
    # given
    customer = await helpers.customer()
    await helpers.give(customer, 100)
    redemption = await _redeemed(api, customer, cost_points=100)
    order = await factories.order(1, customer_id=customer, status=OrderStatus.RECEIVED)
    await _apply(customer, order.id, [redemption])
    # when
    async with write_transaction():
        first = await domain.return_for_order(order_id=order.id)
        second = await domain.return_for_order(order_id=order.id)
    # then
    assert (first, second) == (1, 0)
    assert await helpers.balance(customer) == 100
    await check_ledger()
