"""Stock: confirmed orders take it, cancelled ones give it back; one alert per crossing."""

from __future__ import annotations

import asyncio

from models.customers import StoreAlert
from models.inventory import ProductStockUse, StockItem, StockMovement, StockReason
from tests.client import Api, gid, new_key
from tests.orders import factories as f

ADJUST = """
mutation($input: AdjustStockInput!) {
  adjustStock(input: $input) {
    __typename
    ... on StockItemSuccess { stockItem { quantity belowThreshold alertThreshold } }
    ... on OutOfStock { available needed stockItemId }
    ... on UserError { code field }
  }
}
"""
ITEM = """
query($id: ID!) {
  node(id: $id) {
    ... on StockItem {
      quantity belowThreshold
      movements(first: 50) { edges { node { reason delta quantityAfter orderId } } }
    }
  }
}
"""
CREATE_ORDER_OUT = """
mutation($input: CreateOrderInput!) {
  createOrder(input: $input) {
    __typename
    ... on OutOfStock { productId stockItemId available needed }
    ... on UserError { code message }
  }
}
"""
PRODUCTS = """
query($id: ID!) {
  store(id: $id) { products(first: 100) { edges { node { id soldOut stockUses { quantity } } } } }
}
"""


async def _stocked_product(quantity: int, base: int = 20, per_unit: int = 1) -> tuple[int, int]:
    item = await StockItem.create(
        store_id=1, name=f"컵 {quantity}-{base}", unit="개", base_quantity=base, quantity=quantity
    )
    product = await f.product(1, name="라떼")
    await ProductStockUse.create(
        product_id=product.id, stock_item_id=item.id, store_id=1, quantity=per_unit
    )
    return item.id, product.id


async def _warnings(item_id: int) -> int:
    alerts = await StoreAlert.filter(store_id=1, kind="STOCK_WARNING")
    return sum(1 for alert in alerts if alert.payload.get("stock_item_id") == item_id)


async def test_twenty_racing_confirmations_of_the_last_seven_units(api: Api) -> None:
    # given 7 units left (base 20, so the alert line is 6) and 20 orders of one unit each
    staff = await api.token("staff1@dangol.test")
    item_id, product_id = await _stocked_product(7)
    orders = []
    for _ in range(20):
        created = await f.create_order(api, staff, f.order_input(1, [(product_id, 1)]))
        assert created["__typename"] == "OrderSuccess", created
        orders.append(created["order"]["id"])
    # when all 20 are confirmed at once
    results = await asyncio.gather(*(f.advance(api, staff, o, "CONFIRMED") for o in orders))
    # then exactly 7 are confirmed, 13 are refused with OUT_OF_STOCK, and stock is 0, not less
    kinds = sorted(r["__typename"] for r in results)
    assert kinds.count("OrderSuccess") == 7
    refused = [r for r in results if r["__typename"] != "OrderSuccess"]
    assert len(refused) == 13 and {r["code"] for r in refused} == {"OUT_OF_STOCK"}
    item = await StockItem.get(id=item_id)
    assert item.quantity == 0
    movements = await StockMovement.filter(
        stock_item_id=item_id, reason=StockReason.ORDER_CONFIRMED
    )
    assert len(movements) == 7 and min(m.quantity_after for m in movements) == 0
    # and the refused orders stayed RECEIVED
    statuses = [
        (
            await api.data(
                "query($id: ID!) { node(id: $id) { ... on Order { status } } }",
                {"id": o},
                token=staff,
            )
        )["node"]["status"]
        for o in orders
    ]
    assert statuses.count("CONFIRMED") == 7 and statuses.count("RECEIVED") == 13
    # and one alert per recipient (owner and manager) for the one crossing, not one per order
    assert await _warnings(item_id) == 2


async def test_cancelling_a_confirmed_order_puts_its_stock_back(api: Api) -> None:
    # given a confirmed order of 3 lattes using 2 units each
    staff = await api.token("staff1@dangol.test")
    item_id, product_id = await _stocked_product(50, base=20, per_unit=2)
    created = await f.create_order(api, staff, f.order_input(1, [(product_id, 3)]))
    order_id = created["order"]["id"]
    await f.advance(api, staff, order_id, "CONFIRMED")
    assert (await StockItem.get(id=item_id)).quantity == 44
    # when it is cancelled
    cancelled = await api.data(
        f.CANCEL_ORDER,
        {"input": {"orderId": order_id, "reason": "손님 취소", "idempotencyKey": new_key()}},
        token=staff,
    )
    # then the 6 units are back, and the history says why each moved
    assert cancelled["cancelOrder"]["__typename"] == "OrderSuccess"
    body = await api.data(ITEM, {"id": gid("StockItem", item_id)}, token=staff)
    assert body["node"]["quantity"] == 50
    history = [
        (m["node"]["reason"], m["node"]["delta"], m["node"]["quantityAfter"])
        for m in body["node"]["movements"]["edges"]
    ]
    assert history == [
        ("ORDER_CANCELLED", 6, 50),
        ("ORDER_CONFIRMED", -6, 44),
    ]


async def test_cancelling_an_unconfirmed_order_moves_no_stock(api: Api) -> None:
    staff = await api.token("staff1@dangol.test")
    item_id, product_id = await _stocked_product(10)
    created = await f.create_order(api, staff, f.order_input(1, [(product_id, 2)]))
    await api.data(
        f.CANCEL_ORDER,
        {"input": {"orderId": created["order"]["id"], "idempotencyKey": new_key()}},
        token=staff,
    )
    assert (await StockItem.get(id=item_id)).quantity == 10
    assert not await StockMovement.filter(stock_item_id=item_id, order_id__not_isnull=True).exists()


async def test_an_order_needing_more_than_is_left_is_refused_while_it_is_taken(api: Api) -> None:
    # given 2 units left
    staff = await api.token("staff1@dangol.test")
    item_id, product_id = await _stocked_product(2)
    # when an order of 3 is taken
    body = await api.data(CREATE_ORDER_OUT, f.order_input(1, [(product_id, 3)]), token=staff)
    products = await api.data(PRODUCTS, {"id": gid("Store", 1)}, token=staff)
    # then it is refused, naming the product and the item; an order of 2 still goes through
    refused = body["createOrder"]
    assert refused.pop("code") == "OUT_OF_STOCK" and refused.pop("message")
    assert refused == {
        "__typename": "OutOfStock",
        "productId": gid("Product", product_id),
        "stockItemId": gid("StockItem", item_id),
        "available": 2,
        "needed": 3,
    }
    ok = await f.create_order(api, staff, f.order_input(1, [(product_id, 2)]))
    assert ok["__typename"] == "OrderSuccess"
    flags = {e["node"]["id"]: e["node"]["soldOut"] for e in products["store"]["products"]["edges"]}
    assert flags[gid("Product", product_id)] is False
    # and once the stock is gone the menu says so
    await StockItem.filter(id=item_id).update(quantity=0)
    products = await api.data(PRODUCTS, {"id": gid("Store", 1)}, token=staff)
    flags = {e["node"]["id"]: e["node"]["soldOut"] for e in products["store"]["products"]["edges"]}
    assert flags[gid("Product", product_id)] is True


async def test_one_alert_per_crossing_re_armed_above_the_line(api: Api) -> None:
    # given an item at 10 of base 20 (line: 6), and a manager
    manager = await api.token("manager1@dangol.test")
    item = await StockItem.create(
        store_id=1, name="원두 테스트", unit="kg", base_quantity=20, quantity=10
    )
    gid_item = gid("StockItem", item.id)

    async def adjust(reason: str, quantity: int) -> dict:
        variables = {"input": {"stockItemId": gid_item, "reason": reason, "quantity": quantity}}
        return (await api.data(ADJUST, variables, token=manager))["adjustStock"]

    # when it falls to 6, then 4, then 2
    first = await adjust("WASTED", 4)
    await adjust("WASTED", 2)
    await adjust("WASTED", 2)
    # then one alert for owner and manager
    assert first["stockItem"] == {"quantity": 6, "belowThreshold": True, "alertThreshold": 6}
    assert await _warnings(item.id) == 2
    # when it is restocked above the line and falls again
    await adjust("RECEIVED", 10)
    assert await _warnings(item.id) == 2
    counted = await adjust("COUNTED", 3)
    # then a second crossing alerts again
    assert counted["stockItem"]["quantity"] == 3
    assert await _warnings(item.id) == 4


async def test_stock_never_goes_below_zero_by_hand(api: Api) -> None:
    staff = await api.token("staff1@dangol.test")
    item = await StockItem.create(store_id=1, name="빨대", unit="개", base_quantity=100, quantity=3)
    body = await api.data(
        ADJUST,
        {"input": {"stockItemId": gid("StockItem", item.id), "reason": "WASTED", "quantity": 4}},
        token=staff,
    )
    assert body["adjustStock"]["__typename"] == "OutOfStock"
    assert body["adjustStock"]["available"] == 3
    assert (await StockItem.get(id=item.id)).quantity == 3
    wrong = await api.data(
        ADJUST,
        {
            "input": {
                "stockItemId": gid("StockItem", item.id),
                "reason": "ORDER_CONFIRMED",
                "quantity": 1,
            }
        },
        token=staff,
    )
    assert wrong["adjustStock"]["field"] == "reason"
