from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from models.coupons import Coupon, CouponKind, CouponTemplate
from models.customers import Customer
from models.orders import Order
from tests.authorization.table import changes, snapshot
from tests.checkout import loyalty as lo
from tests.client import Api, gid, new_key
from tests.orders import factories as f

CREATE_TEMPLATE = """
mutation($input: CreateCouponTemplateInput!) {
  createCouponTemplate(input: $input) {
    __typename
    ... on CouponTemplateSuccess { template { id kind value minimumSpend validDays trigger } }
    ... on UserError { code field }
  }
}
"""
ISSUE = """
mutation($input: IssueCouponsInput!) {
  issueCoupons(input: $input) {
    __typename ... on IssueCouponsSuccess { issuedCount } ... on UserError { code field }
  }
}
"""


async def test_a_manager_creates_a_percent_template(api: Api) -> None:
    # given
    token = await api.token("manager1@dangol.test")
    variables = {
        "input": {
            "storeId": gid("Store", 1),
            "name": "10%",
            "kind": "PERCENT",
            "value": 10,
            "minimumSpend": 10000,
            "validDays": 14,
        }
    }
    # when
    result = (await api.data(CREATE_TEMPLATE, variables, token=token))["createCouponTemplate"]
    # then
    assert result["template"]["kind"] == "PERCENT"
    assert (result["template"]["value"], result["template"]["trigger"]) == (10, "MANUAL")


async def test_bad_templates_are_typed_errors_and_change_nothing(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    other_store_product = await f.product(f.STORE_2)
    bad: list[dict[str, Any]] = [
        {"kind": "PERCENT", "value": 0},
        {"kind": "PERCENT", "value": 101},
        {"kind": "FIXED", "value": -5},
        {"kind": "FREE_ITEM"},
        {"kind": "FIXED", "value": 1000, "validDays": 0},
        {"kind": "FIXED", "value": 1000, "productId": gid("Product", other_store_product.id)},
    ]
    before = await snapshot()
    # when
    results = [
        (
            await api.data(
                CREATE_TEMPLATE,
                {"input": {"storeId": gid("Store", 1), "name": "x", **b}},
                token=token,
            )
        )["createCouponTemplate"]
        for b in bad
    ]
    # then
    assert [r["__typename"] for r in results] == ["InvalidInput"] * 5 + ["NotFound"]
    assert changes(before, await snapshot()) == []


async def test_issuing_to_customers_is_idempotent(api: Api) -> None:
    # given
    made = await lo.template()
    customers = [await f.customer(), await f.customer()]
    token = await api.token("manager1@dangol.test")
    variables = {
        "input": {
            "templateId": gid("CouponTemplate", made.id),
            "idempotencyKey": "issue-1",
            "customerIds": [gid("Customer", c) for c in customers],
        }
    }
    # when
    first = (await api.data(ISSUE, variables, token=token))["issueCoupons"]
    again = (await api.data(ISSUE, variables, token=token))["issueCoupons"]
    variables["input"]["customerIds"] = variables["input"]["customerIds"][:1]
    reused = (await api.data(ISSUE, variables, token=token))["issueCoupons"]
    # then
    assert (first["issuedCount"], again["issuedCount"]) == (2, 2)
    assert reused["__typename"] == "IdempotencyKeyReused"
    assert await Coupon.filter(template_id=made.id).count() == 2


async def test_issuing_to_a_segment_reaches_its_customers_only(api: Api) -> None:
    # given
    made = await lo.template()
    sensitive = await f.customer()
    await Customer.filter(id=sensitive).update(reward_uses=5)
    await f.customer()
    token = await api.token("owner1@dangol.test")
    variables = {
        "input": {
            "templateId": gid("CouponTemplate", made.id),
            "idempotencyKey": "seg-1",
            "segment": "REWARD_SENSITIVE",
        }
    }
    # when
    result = (await api.data(ISSUE, variables, token=token))["issueCoupons"]
    # then
    assert result["issuedCount"] == 1
    assert await Coupon.filter(template_id=made.id).values_list("customer_id", flat=True) == [
        sensitive
    ]


async def test_another_store_customer_cannot_receive_a_coupon(api: Api) -> None:
    # given
    made = await lo.template()
    stranger = await f.customer(f.STORE_2)
    token = await api.token("owner1@dangol.test")
    variables = {
        "input": {
            "templateId": gid("CouponTemplate", made.id),
            "idempotencyKey": "x-1",
            "customerIds": [gid("Customer", stranger)],
        }
    }
    # when
    result = (await api.data(ISSUE, variables, token=token))["issueCoupons"]
    # then
    assert result == {"__typename": "NotFound", "code": "NOT_FOUND", "field": "customerIds"}
    assert await Coupon.all().count() == 0


async def test_unusable_coupons_are_typed_errors_and_create_no_order(api: Api) -> None:
    # given
    customer = await f.customer()
    other_customer = await f.customer()
    expired = await lo.coupon(customer)
    await Coupon.filter(id=expired.id).update(expires_at=datetime.now(UTC) - timedelta(days=1))
    used = await lo.coupon(customer)
    await Coupon.filter(id=used.id).update(used_at=datetime.now(UTC))
    theirs = await lo.coupon(other_customer)
    other_store = await lo.coupon(await f.customer(f.STORE_2), f.STORE_2)
    big_spend = await lo.coupon(customer, minimum_spend=50000)
    scoped = await lo.coupon(
        customer, kind=CouponKind.FREE_ITEM, value=0, product_id=(await f.product()).id
    )
    item = await f.product(price=10000)
    token = await api.token("staff1@dangol.test")
    # when
    seen = []
    for c in (expired, used, theirs, other_store, big_spend, scoped):
        result = await lo.checkout(
            api, token, [(item.id, 1)], customer_id=customer, couponId=gid("Coupon", c.id)
        )
        seen.append(result["__typename"])
    # then
    assert seen == [
        "CouponExpired",
        "CouponAlreadyUsed",
        "CouponNotOwned",
        "NotFound",
        "MinimumSpendNotMet",
        "CouponNotApplicable",
    ]
    assert await Order.filter(customer_id=customer).count() == 0


async def test_a_free_item_coupon_takes_one_unit_off(api: Api) -> None:
    # given
    customer = await f.customer()
    latte = await f.product(name="라떼", price=5000)
    coupon = await lo.coupon(customer, kind=CouponKind.FREE_ITEM, value=0, product_id=latte.id)
    token = await api.token("staff1@dangol.test")
    # when
    result = await lo.checkout(
        api, token, [(latte.id, 3)], customer_id=customer, couponId=gid("Coupon", coupon.id)
    )
    # then
    assert result["order"]["total"] == 10000


async def test_cancelling_or_fully_refunding_gives_the_coupon_back_but_a_partial_refund_does_not(
    api: Api,
) -> None:
    # given
    customer = await f.customer()
    item = await f.product(price=10000)
    token = await api.token("owner1@dangol.test")
    coupons = [await lo.coupon(customer) for _ in range(3)]
    orders = []
    for c in coupons:
        made = await lo.checkout(
            api, token, [(item.id, 1)], customer_id=customer, couponId=gid("Coupon", c.id)
        )
        orders.append(made["order"]["id"])
    refund = "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename } }"
    cancel = "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename } }"
    await f.complete(api, token, orders[1])
    await f.complete(api, token, orders[2])
    # when
    await api.data(
        cancel, {"input": {"orderId": orders[0], "idempotencyKey": new_key()}}, token=token
    )
    await api.data(
        refund, {"input": {"orderId": orders[1], "idempotencyKey": new_key()}}, token=token
    )
    await api.data(
        refund,
        {"input": {"orderId": orders[2], "amount": 1000, "idempotencyKey": new_key()}},
        token=token,
    )
    # then
    states = [(await Coupon.get(id=c.id)).used_at is None for c in coupons]
    assert states == [True, True, False]
    assert (await Customer.get(id=customer)).reward_uses == 1


async def test_a_first_visit_template_issues_a_coupon_on_the_first_completed_visit(
    api: Api,
) -> None:
    # given
    from models.coupons import CouponTrigger

    welcome = await lo.template(trigger=CouponTrigger.FIRST_VISIT)
    customer = await f.customer()
    token = await api.token("staff1@dangol.test")
    # when
    await lo.completed_order(api, token, customer, price=5000)
    await lo.completed_order(api, token, customer, price=5000)
    # then
    issued = await Coupon.filter(customer_id=customer).values_list("template_id", "issued_reason")
    assert issued == [(welcome.id, CouponTrigger.FIRST_VISIT)]
    assert await CouponTemplate.filter(id=welcome.id).exists()
