from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.database import write_transaction
from models.audit import AuditEntry
from models.points import PointEntry, PointKind, PointProgram, PointSource, Rounding
from resolvers import points
from resolvers.points.program import add_months, points_for
from tests.client import Api, gid, new_key
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger

STORE1 = gid("Store", 1)


async def _program(api: Api, **values: object) -> dict:
    token = await helpers.owner(api)
    result = await api.data(
        helpers.UPDATE_PROGRAM, {"input": {"storeId": STORE1, **values}}, token=token
    )
    return result["updatePointProgram"]


async def _completed_order(api: Api, customer: int, price: int, quantity: int = 1) -> int:
    order = await factories.order(1, customer_id=customer, price=price, quantity=quantity)
    await factories.complete(api, await helpers.staff(api), order.id)
    return order.id


async def test_the_owner_sets_the_programme_and_it_is_audited(api: Api) -> None:
    # when
    result = await _program(
        api, earnRateBp=500, rounding="CEIL", minimumOrder=3000, expiryMonths=12
    )
    cleared = await _program(api, expiryMonths=None)
    # then
    assert result["program"]["earnRateBp"] == 500 and result["program"]["rounding"] == "CEIL"
    assert result["program"]["expiryMonths"] == 12 and result["program"]["signupPoints"] == 0
    assert cleared["program"]["expiryMonths"] is None and cleared["program"]["earnRateBp"] == 500
    audit = await AuditEntry.filter(action="points.program.update").order_by("id")
    assert len(audit) == 2
    assert audit[0].before["earn_rate_bp"] == 100 and audit[0].after["earn_rate_bp"] == 500


async def test_bad_programme_values_are_invalid_and_change_nothing(api: Api) -> None:
    # when
    results = [
        await _program(api, earnRateBp=-1),
        await _program(api, earnRateBp=10_001),
        await _program(api, expiryMonths=0),
        await _program(api, minimumOrder=-5),
        await _program(api, rounding=None),
    ]
    # then
    assert {r["__typename"] for r in results} == {"InvalidInput"}
    assert await PointProgram.all().count() == 0
    assert await AuditEntry.filter(action="points.program.update").count() == 0


def test_points_follow_the_rate_the_multiplier_and_the_rounding() -> None:
    assert points_for(4550, 100, 10_000, Rounding.FLOOR) == 45
    assert points_for(4550, 100, 10_000, Rounding.CEIL) == 46
    assert points_for(4550, 100, 10_000, Rounding.ROUND) == 46
    assert points_for(4549, 100, 10_000, Rounding.ROUND) == 45
    assert points_for(4550, 100, 20_000, Rounding.FLOOR) == 91
    assert points_for(0, 100, 10_000, Rounding.CEIL) == 0
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 11, 15, tzinfo=UTC), 14).year == 2028


async def test_a_completed_order_earns_at_the_programme_rate_with_expiry(api: Api) -> None:
    # given
    await _program(api, earnRateBp=500, expiryMonths=6)
    customer = await helpers.customer()
    # when
    order_id = await _completed_order(api, customer, 4500, 2)
    # then
    entry = await PointEntry.get(customer_id=customer)
    assert (entry.kind, entry.amount, entry.order_id) == (PointKind.EARN, 450, order_id)
    assert entry.expires_at is not None and entry.expires_at > datetime.now(UTC) + timedelta(
        days=150
    )
    assert entry.reference_type == "order" and entry.balance_after == 450
    await check_ledger()


async def test_an_order_under_the_minimum_or_without_a_customer_earns_nothing(api: Api) -> None:
    # given
    await _program(api, minimumOrder=10_000)
    customer = await helpers.customer()
    # when
    await _completed_order(api, customer, 9_999)
    anonymous = await factories.order(1, price=50_000)
    await factories.complete(api, await helpers.staff(api), anonymous.id)
    # then
    assert await PointEntry.all().count() == 0


async def test_earn_for_order_runs_once_per_order_and_takes_a_tier_rate(app: object) -> None:
    # given
    customer = await helpers.customer()
    order = await factories.order(1, customer_id=customer, price=10_000, quantity=1)
    ctx = helpers.system_context(app)
    # when
    async with write_transaction():
        first = await points.earn_for_order(
            ctx, order_id=order.id, rate_bp=300, multiplier_bp=20_000
        )
        second = await points.earn_for_order(
            ctx, order_id=order.id, rate_bp=300, multiplier_bp=20_000
        )
    # then
    assert (first, second) == (600, 0)
    await check_ledger()


async def _refund(api: Api, order_id: int, amount: int | None = None) -> dict:
    token = await helpers.owner(api)
    variables = {
        "input": {"orderId": gid("Order", order_id), "amount": amount, "idempotencyKey": new_key()}
    }
    return (await api.data(factories.REFUND_ORDER, variables, token=token))["refundOrder"]


async def test_refunds_take_back_what_the_order_earned_in_proportion(api: Api) -> None:
    # given
    await _program(api, earnRateBp=1000)
    customer = await helpers.customer()
    order_id = await _completed_order(api, customer, 10_000, 3)
    # when
    await _refund(api, order_id, 10_000)
    after_partial = await helpers.balance(customer)
    await _refund(api, order_id)
    # then
    assert after_partial == 2000
    assert await helpers.balance(customer) == 0
    reversals = await PointEntry.filter(customer_id=customer, kind="REFUND_REVERSAL").order_by("id")
    assert [r.amount for r in reversals] == [-1000, -2000]
    await check_ledger()


async def test_a_refund_after_the_points_were_spent_takes_what_is_left(api: Api) -> None:
    # given
    await _program(api, earnRateBp=1000)
    customer, friend = await helpers.customer(), await helpers.customer()
    order_id = await _completed_order(api, customer, 10_000)
    await helpers.transfer(api, await helpers.owner(api), customer, friend, 700)
    # when
    refunded = await _refund(api, order_id)
    # then
    assert refunded["__typename"] == "OrderSuccess"
    reversal = await PointEntry.get(customer_id=customer, kind="REFUND_REVERSAL")
    assert reversal.amount == -300 and reversal.reason == "due 1000"
    assert await helpers.balance(customer) == 0
    await check_ledger()


async def test_fixed_awards_follow_the_programme(api: Api, app: object) -> None:
    # given
    await _program(api, signupPoints=1000, reviewPoints=0)
    customer = await helpers.customer()
    ctx = helpers.system_context(app)
    # when
    async with write_transaction():
        signup = await points.award(
            ctx,
            customer_id=customer,
            source=PointSource.SIGNUP,
            reference_type="customer",
            reference_id=customer,
        )
        review = await points.award(
            ctx,
            customer_id=customer,
            source=PointSource.REVIEW,
            reference_type="feedback",
            reference_id=1,
        )
    # then
    assert (signup, review) == (1000, 0)
    entry = await PointEntry.get(customer_id=customer)
    assert (entry.source, entry.amount) == (PointSource.SIGNUP, 1000)
    await check_ledger()
