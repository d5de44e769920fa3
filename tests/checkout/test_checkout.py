from __future__ import annotations

import asyncio

from models.coupons import Coupon, CouponKind, FirstVisitOfferKind
from models.orders import Order, OrderDiscount
from models.tiers import CustomerTier, DiscountKind
from tests.checkout import loyalty as lo
from tests.client import Api, gid
from tests.orders import factories as f


async def test_benefits_apply_in_the_documented_order_and_are_kept_as_lines(api: Api) -> None:
    # given
    customer = await f.customer()
    gold = await lo.tier(rank=1, name="Gold", discount_kind=DiscountKind.PERCENT, discount_value=10)
    await CustomerTier.create(
        store_id=f.STORE_1, customer_id=customer, tier=gold, since=gold.created_at
    )
    coupon = await lo.coupon(customer, kind=CouponKind.FIXED, value=2000)
    await lo.offer(kind=FirstVisitOfferKind.PERCENT, value=50)
    item = await f.product(price=10000)
    token = await api.token("staff1@dangol.test")
    # when
    result = await lo.checkout(
        api, token, [(item.id, 2)], customer_id=customer, couponId=gid("Coupon", coupon.id)
    )
    # then
    order = result["order"]
    assert [(d["source"], d["amount"]) for d in order["discounts"]] == [
        ("TIER", 2000),
        ("COUPON", 2000),
        ("FIRST_VISIT", 8000),
    ]
    assert (order["subtotal"], order["discountTotal"], order["total"]) == (20000, 12000, 8000)
    assert (await Coupon.get(id=coupon.id)).used_at is not None


async def test_the_total_never_goes_below_zero(api: Api) -> None:
    # given
    customer = await f.customer()
    coupon = await lo.coupon(customer, kind=CouponKind.FIXED, value=50000)
    await lo.offer(kind=FirstVisitOfferKind.FIXED, value=3000)
    item = await f.product(price=4500)
    token = await api.token("staff1@dangol.test")
    # when
    result = await lo.checkout(
        api, token, [(item.id, 1)], customer_id=customer, couponId=gid("Coupon", coupon.id)
    )
    # then
    order = result["order"]
    assert (order["discountTotal"], order["total"]) == (4500, 0)
    assert [(d["source"], d["amount"]) for d in order["discounts"]] == [
        ("COUPON", 4500),
        ("FIRST_VISIT", 0),
    ]


async def test_a_customer_with_a_completed_visit_gets_no_first_visit_offer(api: Api) -> None:
    # given
    customer = await f.customer()
    await lo.offer(kind=FirstVisitOfferKind.PERCENT, value=20)
    token = await api.token("staff1@dangol.test")
    first = await lo.completed_order(api, token, customer, price=10000)
    item = await f.product(price=10000)
    # when
    second = await lo.checkout(api, token, [(item.id, 1)], customer_id=customer)
    # then
    assert first["isFirstVisit"] is True
    assert second["order"]["discounts"] == []
    assert second["order"]["total"] == 10000


async def test_a_gift_offer_is_a_zero_amount_line_and_a_threshold_offer_needs_its_spend(
    api: Api,
) -> None:
    # given
    gift = await f.product(name="쿠키", price=2000)
    await lo.offer(kind=FirstVisitOfferKind.GIFT_ITEM, gift_product_id=gift.id, minimum_spend=5000)
    item = await f.product(price=4000)
    token = await api.token("staff1@dangol.test")
    # when
    small = await lo.checkout(api, token, [(item.id, 1)], customer_id=await f.customer())
    large = await lo.checkout(api, token, [(item.id, 2)], customer_id=await f.customer())
    # then
    assert small["order"]["discounts"] == []
    assert [(d["source"], d["amount"], d["description"]) for d in large["order"]["discounts"]] == [
        ("FIRST_VISIT", 0, "First visit gift: 쿠키")
    ]


async def test_fifty_concurrent_checkouts_with_one_coupon_use_it_once(api: Api) -> None:
    # given
    customer = await f.customer()
    coupon = await lo.coupon(customer, kind=CouponKind.FIXED, value=1000)
    item = await f.product(price=5000)
    token = await api.token("staff1@dangol.test")
    # when
    results = await asyncio.gather(
        *(
            lo.checkout(
                api, token, [(item.id, 1)], customer_id=customer, couponId=gid("Coupon", coupon.id)
            )
            for _ in range(50)
        )
    )
    # then
    kinds = [r["__typename"] for r in results]
    assert kinds.count("OrderSuccess") == 1
    assert kinds.count("CouponAlreadyUsed") == 49
    assert await Order.filter(customer_id=customer).count() == 1
    assert await OrderDiscount.filter(source="COUPON").count() == 1


async def test_a_retried_checkout_with_the_same_key_returns_the_first_order(api: Api) -> None:
    # given
    customer = await f.customer()
    coupon = await lo.coupon(customer, kind=CouponKind.FIXED, value=1000)
    item = await f.product(price=5000)
    token = await api.token("staff1@dangol.test")
    args = dict(customer_id=customer, couponId=gid("Coupon", coupon.id), key="retry-1")
    # when
    first = await lo.checkout(api, token, [(item.id, 1)], **args)
    again = await lo.checkout(api, token, [(item.id, 1)], **args)
    other = await lo.checkout(api, token, [(item.id, 1)], customer_id=customer, key="retry-1")
    # then
    assert again["order"] == first["order"]
    assert other["__typename"] == "IdempotencyKeyReused"
    assert await Order.filter(customer_id=customer).count() == 1


async def test_racing_first_orders_of_a_new_customer_get_the_first_visit_offer_once(
    api: Api,
) -> None:
    # given a brand-new customer and a store with a first-visit offer
    customer = await f.customer()
    await lo.offer(kind=FirstVisitOfferKind.FIXED, value=1000)
    item = await f.product(price=5000)
    token = await api.token("staff1@dangol.test")
    # when ten first orders of that customer arrive at once
    results = await asyncio.gather(
        *[lo.checkout(api, token, [(item.id, 1)], customer_id=customer) for _ in range(10)]
    )
    # then all are created, and exactly one carries the offer
    assert all(result["__typename"] == "OrderSuccess" for result in results)
    offers = [
        d
        for result in results
        for d in result["order"]["discounts"]
        if d["source"] == "FIRST_VISIT"
    ]
    assert len(offers) == 1
    assert await OrderDiscount.filter(source="FIRST_VISIT").count() == 1
