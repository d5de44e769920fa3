"""Automations: switched per store with their template, queued in their event's transaction,
each firing once; the dormant win-back once per dormancy and within the quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.context import Context
from models.customers import Customer
from models.messages import MessageDelivery, MessageQuota
from models.orders import OrderStatus
from models.stores import Plan
from policies.enforcement import Principal
from resolvers.messages import audiences, automations
from tests.checkout import loyalty
from tests.client import Api, error_code
from tests.customers import factories
from tests.messages.helpers import (
    STORE1,
    UPDATE_AUTOMATION,
    customers,
    owner,
    set_plan,
    template,
)
from tests.orders import factories as orders
from tests.points.helpers import give, transfer


def _system(app: Any) -> Context:
    return Context.for_principal(app.state.services, Principal())


async def switch_on(api: Api, token: str, kind: str, body: str, **extra: Any) -> dict[str, Any]:
    template_id = await template(api, token, body)
    variables = {
        "input": {
            "storeId": STORE1,
            "kind": kind,
            "enabled": True,
            "templateId": template_id,
            **extra,
        }
    }
    return dict((await api.data(UPDATE_AUTOMATION, variables, token=token))["updateAutomation"])


async def test_order_ready_is_sent_once_when_the_order_reaches_ready_even_without_consent(
    api: Api,
) -> None:
    # given the order-ready automation, and a customer who refused marketing
    await set_plan(1, Plan.BASIC)
    token = await owner(api)
    switched = await switch_on(
        api, token, "ORDER_READY", "#{name}님, 주문 #{orderNumber} 준비 완료!"
    )
    assert switched["__typename"] == "UpdateAutomationSuccess", switched
    customer = await factories.customer(1, marketing_consent=False)
    order = await orders.order(customer_id=customer.id, status=OrderStatus.PREPARING)
    # when the order becomes READY, and the hook is called once more for the same order
    moved = await orders.advance(api, token, order.id, "READY")
    await automations.order_ready(
        store_id=1, order_id=order.id, customer_id=customer.id, at=datetime.now(UTC)
    )
    # then one transactional message, not counted against the (Basic: zero) quota
    assert moved["order"]["status"] == "READY"
    rows = await MessageDelivery.filter(customer_id=customer.id).values(
        "automation", "marketing", "status", "context"
    )
    assert rows == [
        {
            "automation": "ORDER_READY",
            "marketing": False,
            "status": "QUEUED",
            "context": {"orderNumber": str(order.id)},
        }
    ]
    assert await MessageQuota.all().count() == 0
    listed = await api.data(
        """query($id: ID!) { store(id: $id) { messageDeliveries(automation: ORDER_READY) {
          totalCount edges { node { status automation customer { id } } } } } }""",
        {"id": STORE1},
        token=token,
    )
    deliveries = listed["store"]["messageDeliveries"]
    assert deliveries["totalCount"] == 1
    assert deliveries["edges"][0]["node"]["automation"] == "ORDER_READY"


async def test_a_switched_off_automation_sends_nothing(api: Api) -> None:
    # given
    token = await owner(api)
    await switch_on(api, token, "ORDER_READY", "주문 #{orderNumber} 준비 완료")
    off = {"input": {"storeId": STORE1, "kind": "ORDER_READY", "enabled": False}}
    await api.data(UPDATE_AUTOMATION, off, token=token)
    customer = await factories.customer(1)
    order = await orders.order(customer_id=customer.id, status=OrderStatus.PREPARING)
    # when
    await orders.advance(api, token, order.id, "READY")
    # then
    assert await MessageDelivery.all().count() == 0


async def test_a_template_needing_what_the_event_lacks_is_refused(api: Api) -> None:
    # given
    token = await owner(api)
    # when
    refused = await switch_on(api, token, "ORDER_READY", "#{transferPoints}점이 이동했어요")
    # then
    assert refused["__typename"] == "TemplateVariableUnavailable"
    assert refused["variables"] == ["transferPoints"]


async def test_points_transfer_tells_both_customers_once(api: Api) -> None:
    # given
    token = await owner(api)
    await switch_on(api, token, "POINTS_TRANSFER", "#{transferPoints}P 이동, 잔액 #{points}P")
    sender = await factories.customer(1)
    receiver = await factories.customer(1)
    await give(sender.id, 1000)
    # when the same transfer is sent twice (a retry with its key)
    first = await transfer(api, token, sender.id, receiver.id, 300, idempotency_key="t-1")
    again = await transfer(api, token, sender.id, receiver.id, 300, idempotency_key="t-1")
    # then
    assert first["__typename"] == again["__typename"] == "TransferPointsSuccess"
    rows = await MessageDelivery.all().order_by("customer_id").values("customer_id", "context")
    assert rows == [
        {"customer_id": sender.id, "context": {"transferPoints": "300"}},
        {"customer_id": receiver.id, "context": {"transferPoints": "300"}},
    ]


async def test_a_tier_change_is_announced_with_the_previous_tier(api: Api) -> None:
    # given a one-step ladder and the tier-change automation
    token = await owner(api)
    await switch_on(api, token, "TIER_CHANGE", "#{previousTierName} → #{tierName} 승급!")
    await loyalty.tier(rank=1, name="골드", min_amount=1000)
    customer = await factories.customer(1)
    # when the customer's completed order earns the tier
    await loyalty.completed_order(api, token, customer.id, price=5000)
    # then
    rows = await MessageDelivery.filter(automation="TIER_CHANGE").values("customer_id", "context")
    assert rows == [{"customer_id": customer.id, "context": {"previousTierName": ""}}]


async def test_the_win_back_goes_once_per_dormancy_never_twice_in_a_row(
    api: Api, app: object
) -> None:
    # given two dormant customers (one without consent), and the win-back switched on
    await set_plan(1, Plan.PLUS)
    token = await owner(api)
    switched = await switch_on(
        api, token, "DORMANT_WINBACK", "#{name}님, 오랜만에 오시면 특별 혜택!"
    )
    assert switched["__typename"] == "UpdateAutomationSuccess", switched
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=45)
    dormant = await factories.customer(
        1, marketing_consent=True, visit_count=2, first_visit_at=long_ago, last_visit_at=long_ago
    )
    await factories.customer(
        1, marketing_consent=False, visit_count=2, first_visit_at=long_ago, last_visit_at=long_ago
    )
    ctx = _system(app)
    # when the job runs, then runs again the next day and a week later
    runs = [
        await automations.run_periodic(ctx, now),
        await automations.run_periodic(ctx, now + timedelta(days=1)),
        await automations.run_periodic(ctx, now + timedelta(days=7)),
    ]
    # then one win-back, to the consenting customer only
    assert runs == [1, 0, 0]
    assert await MessageDelivery.filter(customer_id=dormant.id).count() == 1
    # when they come back, and stay away long enough to be dormant again
    back = now + timedelta(days=8)
    await Customer.filter(id=dormant.id).update(last_visit_at=back, visit_count=3)
    quiet = await automations.run_periodic(ctx, back + timedelta(days=10))
    again = await automations.run_periodic(ctx, back + timedelta(days=40))
    # then a second win-back, for the second dormancy
    assert (quiet, again) == (0, 1)
    assert await MessageDelivery.filter(customer_id=dormant.id).count() == 2
    used: list[Any] = await MessageQuota.filter(store_id=1).values_list("used", flat=True)
    assert sum(used) == 2


async def test_the_win_back_stops_at_the_quota(api: Api, app: object) -> None:
    # given a Plus store whose month has 3 messages left and 5 dormant customers
    await set_plan(1, Plan.PLUS)
    token = await owner(api)
    await switch_on(api, token, "DORMANT_WINBACK", "오랜만이에요!")
    long_ago = datetime.now(UTC) - timedelta(days=60)
    await customers(5, visit_count=1, first_visit_at=long_ago, last_visit_at=long_ago)
    now = datetime.now(UTC)
    month = now.astimezone(ZoneInfo("Asia/Seoul")).strftime("%Y-%m")
    await MessageQuota.create(store_id=1, month=month, used=27)
    # when
    sent = await automations.run_periodic(_system(app), now)
    # then
    assert sent == 3
    assert await MessageQuota.filter(store_id=1).values_list("used", flat=True) == [30]


async def test_marketing_automations_need_their_plan(api: Api) -> None:
    # given a Basic store, and a Plus one
    await set_plan(1, Plan.BASIC)
    token = await owner(api)
    # when
    template_id = await template(api, token, "오랜만이에요")
    body = await api.gql(
        UPDATE_AUTOMATION,
        {
            "input": {
                "storeId": STORE1,
                "kind": "DORMANT_WINBACK",
                "enabled": True,
                "templateId": template_id,
            }
        },
        token=token,
    )
    await set_plan(1, Plan.PLUS)
    insight = await api.gql(
        UPDATE_AUTOMATION,
        {
            "input": {
                "storeId": STORE1,
                "kind": "INSIGHT_AUDIENCE",
                "enabled": True,
                "templateId": template_id,
                "insightKey": "weekday-mornings",
            }
        },
        token=token,
    )
    # then
    assert error_code(body) == "PLAN_UPGRADE_REQUIRED"
    assert body["errors"][0]["extensions"]["requiredPlan"] == "PLUS"
    assert error_code(insight) == "PLAN_UPGRADE_REQUIRED"
    assert insight["errors"][0]["extensions"]["requiredPlan"] == "PREMIUM"


async def test_an_insight_automation_reaches_the_insights_audience(api: Api, app: object) -> None:
    # given an insight source (a stub standing in for analytics) naming three customers
    token = await owner(api)
    chosen = await customers(3)
    refused = await customers(1, consent=False)
    await customers(2)

    async def stub(store_id: int, insight_key: str) -> list[int]:
        return [*chosen, *refused] if (store_id, insight_key) == (1, "weekday-mornings") else []

    previous = audiences.use_insight_source(stub)
    try:
        switched = await switch_on(
            api, token, "INSIGHT_AUDIENCE", "평일 오전 할인!", insightKey="weekday-mornings"
        )
        assert switched["automation"]["insightKey"] == "weekday-mornings", switched
        now = datetime.now(UTC)
        # when the job runs twice in the month
        runs = [
            await automations.run_periodic(_system(app), now),
            await automations.run_periodic(_system(app), now + timedelta(hours=1)),
        ]
    finally:
        audiences.use_insight_source(previous)
    # then the consenting customers of the insight got it once
    assert runs == [3, 0]
    sent_to = await MessageDelivery.filter(automation="INSIGHT_AUDIENCE").values_list(
        "customer_id", flat=True
    )
    assert sorted(sent_to) == sorted(chosen)
