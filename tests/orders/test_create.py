from __future__ import annotations

import asyncio

import pytest

from models.catalogue import Product
from models.orders import Order, OrderLine
from tests.client import Api, gid
from tests.orders import factories as f

CREATE_API_KEY = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) { ... on CreateApiKeySuccess { secret apiKey { id } } }
}
"""


async def test_the_server_prices_every_line_and_records_who_took_the_order(api: Api) -> None:
    # given
    coffee = await f.product(name="아메리카노", price=4500)
    cake = await f.product(name="치즈케이크", price=6800)
    token = await api.token("staff1@dangol.test")
    # when
    result = await f.create_order(api, token, f.order_input(1, [(coffee.id, 2), (cake.id, 1)]))
    # then
    order = result["order"]
    assert order["status"] == "RECEIVED"
    assert order["lines"] == [
        {
            "productId": gid("Product", coffee.id),
            "productName": "아메리카노",
            "unitPrice": 4500,
            "quantity": 2,
            "lineTotal": 9000,
        },
        {
            "productId": gid("Product", cake.id),
            "productName": "치즈케이크",
            "unitPrice": 6800,
            "quantity": 1,
            "lineTotal": 6800,
        },
    ]
    assert (order["subtotal"], order["discountTotal"], order["total"]) == (15800, 0, 15800)
    assert order["createdBy"] == {"email": "staff1@dangol.test", "name": "Staff 1"}


async def test_an_input_with_amounts_is_not_a_valid_document(api: Api) -> None:
    # given
    coffee = await f.product(price=4500)
    token = await api.token("owner1@dangol.test")
    variables = f.order_input(1, [(coffee.id, 1)])
    variables["input"]["total"] = 1
    # when
    response = await api.post(f.CREATE_ORDER, variables, token=token)
    # then
    assert "errors" in response.json()
    assert await Order.all().count() == 0


@pytest.mark.parametrize("quantity", [0, -1, 1000, 2_000_000_000])
async def test_a_quantity_outside_one_to_999_is_refused(api: Api, quantity: int) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    # when
    result = await f.create_order(
        api, token, f.order_input(1, [(coffee.id, 1), (coffee.id, quantity)])
    )
    # then
    assert result["__typename"] == "InvalidInput"
    assert result["field"] == "lines.1.quantity"
    assert await Order.all().count() == 0


async def test_more_than_a_hundred_lines_or_none_are_refused(api: Api) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    # when
    too_many = await f.create_order(api, token, f.order_input(1, [(coffee.id, 1)] * 101))
    empty = await f.create_order(api, token, f.order_input(1, []))
    # then
    assert (too_many["__typename"], too_many["field"]) == ("InvalidInput", "lines")
    assert (empty["__typename"], empty["field"]) == ("InvalidInput", "lines")
    assert await Order.all().count() == 0


async def test_unknown_and_other_store_products_are_not_found(api: Api) -> None:
    # given
    coffee = await f.product()
    elsewhere = await f.product(f.STORE_2)
    token = await api.token("owner1@dangol.test")
    # when
    other_store = await f.create_order(
        api, token, f.order_input(1, [(coffee.id, 1), (elsewhere.id, 1)])
    )
    unknown = await f.create_order(api, token, f.order_input(1, [(999_999, 1)]))
    # then
    assert (other_store["__typename"], other_store["field"]) == ("NotFound", "lines.1.productId")
    assert (unknown["__typename"], unknown["field"]) == ("NotFound", "lines.0.productId")
    assert await Order.all().count() == 0


async def test_another_stores_customer_is_not_found(api: Api) -> None:
    # given
    coffee = await f.product()
    stranger = await f.customer(f.STORE_2)
    token = await api.token("owner1@dangol.test")
    # when
    result = await f.create_order(
        api, token, f.order_input(1, [(coffee.id, 1)], customer_id=stranger)
    )
    # then
    assert (result["__typename"], result["field"]) == ("NotFound", "customerId")
    assert await Order.all().count() == 0


async def test_an_archived_product_cannot_be_ordered(api: Api) -> None:
    # given
    gone = await f.product(name="단종 메뉴", archived=True)
    token = await api.token("owner1@dangol.test")
    # when
    result = await f.create_order(api, token, f.order_input(1, [(gone.id, 1)]))
    # then
    assert result["__typename"] == "ProductArchived"
    assert result["productId"] == gid("Product", gone.id)
    assert await Order.all().count() == 0


async def test_old_orders_keep_the_name_and_price_as_ordered(api: Api) -> None:
    # given
    coffee = await f.product(name="아메리카노", price=4500)
    token = await api.token("owner1@dangol.test")
    created = await f.create_order(api, token, f.order_input(1, [(coffee.id, 2)]))
    # when
    await Product.filter(id=coffee.id).update(name="새 아메리카노", price=5000, is_archived=True)
    line = await OrderLine.get(order_id=f.pk(created["order"]["id"]))
    # then
    assert (line.product_name, line.unit_price, line.line_total) == ("아메리카노", 4500, 9000)


async def test_a_pickup_order_needs_a_future_pickup_time(api: Api) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    lines = [(coffee.id, 1)]
    # when
    missing = await f.create_order(api, token, f.order_input(1, lines, channel="PICKUP"))
    past = await f.create_order(
        api, token, f.order_input(1, lines, channel="PICKUP", pickupAt="2001-01-01T09:00:00+09:00")
    )
    in_store = await f.create_order(
        api,
        token,
        f.order_input(1, lines, channel="IN_STORE", pickupAt="2999-01-01T09:00:00+09:00"),
    )
    future = await f.create_order(
        api, token, f.order_input(1, lines, channel="PICKUP", pickupAt="2999-01-01T09:00:00+09:00")
    )
    # then
    assert [r["field"] for r in (missing, past, in_store)] == ["pickupAt"] * 3
    assert future["__typename"] == "OrderSuccess"
    assert future["order"]["channel"] == "PICKUP"


async def test_the_same_key_and_input_returns_the_first_order(api: Api) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    variables = f.order_input(1, [(coffee.id, 2)], key="pos-17-0001")
    first = await f.create_order(api, token, variables)
    # when
    again = await f.create_order(api, token, variables)
    # then
    assert again == first
    assert await Order.all().count() == 1


async def test_the_same_key_with_another_input_is_refused(api: Api) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    await f.create_order(api, token, f.order_input(1, [(coffee.id, 2)], key="pos-17-0002"))
    # when
    result = await f.create_order(api, token, f.order_input(1, [(coffee.id, 3)], key="pos-17-0002"))
    # then
    assert (result["__typename"], result["code"]) == (
        "IdempotencyKeyReused",
        "IDEMPOTENCY_KEY_REUSED",
    )
    assert await Order.all().count() == 1


async def test_racing_duplicates_create_one_order(api: Api) -> None:
    # given
    coffee = await f.product()
    token = await api.token("owner1@dangol.test")
    variables = f.order_input(1, [(coffee.id, 1)], key="retry-storm")
    # when
    results = await asyncio.gather(*(f.create_order(api, token, variables) for _ in range(20)))
    # then
    assert {r["__typename"] for r in results} == {"OrderSuccess"}
    assert len({r["order"]["id"] for r in results}) == 1
    assert await Order.all().count() == 1
    assert await OrderLine.all().count() == 1


async def test_a_partner_key_order_records_the_key(api: Api) -> None:
    # given
    coffee = await f.product()
    owner = await api.token("owner1@dangol.test")
    key_input = {
        "storeId": gid("Store", 1),
        "name": "배달앱",
        "actions": ["store.read", "orders.create"],
    }
    created_key = (await api.data(CREATE_API_KEY, {"input": key_input}, token=owner))[
        "createApiKey"
    ]
    # when
    result = await f.create_order(
        api, created_key["secret"], f.order_input(1, [(coffee.id, 1)], channel="DELIVERY")
    )
    # then
    assert result["order"]["createdBy"] is None
    assert result["order"]["createdByApiKeyId"] == created_key["apiKey"]["id"]
