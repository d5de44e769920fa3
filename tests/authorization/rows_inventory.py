"""Inventory (G2): everyone of the store reads and adjusts stock; owners and managers reorder and
set recipes; partner keys do none of it."""

from __future__ import annotations

from models.inventory import StockItem
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid
from tests.orders import factories

STOCK_ITEMS = "query($id: ID!) { store(id: $id) { id stockItems { edges { node { id } } } } }"
PURCHASE_ORDERS = (
    "query($id: ID!) { store(id: $id) { id purchaseOrders { edges { node { id } } } } }"
)
NODE_STOCK_ITEM = "query($id: ID!) { node(id: $id) { id ... on StockItem { name } } }"
CREATE = "mutation($input: CreateStockItemInput!) { createStockItem(input: $input) { __typename } }"
UPDATE = "mutation($input: UpdateStockItemInput!) { updateStockItem(input: $input) { __typename } }"
ADJUST = "mutation($input: AdjustStockInput!) { adjustStock(input: $input) { __typename } }"
REORDER = "mutation($input: ReorderStockInput!) { reorderStock(input: $input) { __typename } }"
SET_USE = """
mutation($input: SetProductStockUseInput!) { setProductStockUse(input: $input) { __typename } }
"""

STAFF_TOO = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
NODE_READ: Expectations = {**STAFF_TOO, "partner": (ABSENT, ABSENT)}
MANAGERS: Expectations = {**STAFF_TOO, "staff": (FORBIDDEN, ABSENT)}


async def _item(w: World, target: str) -> str:
    item = await StockItem.create(
        store_id=w.store_id(target),
        name=w.unique("item"),
        unit="개",
        base_quantity=100,
        quantity=80,
    )
    return gid("StockItem", item.id)


async def _node(w: World, target: str) -> dict:
    return {"id": await _item(w, target)}


async def _update(w: World, target: str) -> dict:
    return {"input": {"stockItemId": await _item(w, target), "baseQuantity": 120}}


async def _adjust(w: World, target: str) -> dict:
    return {"input": {"stockItemId": await _item(w, target), "reason": "RECEIVED", "quantity": 5}}


async def _reorder(w: World, target: str) -> dict:
    return {
        "input": {
            "stockItemId": await _item(w, target),
            "percent": 150,
            "idempotencyKey": w.unique("reorder"),
        }
    }


async def _set_use(w: World, target: str) -> dict:
    product = await factories.product(w.store_id(target))
    return {
        "input": {
            "productId": gid("Product", product.id),
            "uses": [{"stockItemId": await _item(w, target), "quantity": 2}],
        }
    }


ROWS = [
    Row("Store.stockItems", STOCK_ITEMS, lambda w, t: {"id": w.store(t)}, **STAFF_TOO),
    Row("Store.purchaseOrders", PURCHASE_ORDERS, lambda w, t: {"id": w.store(t)}, **STAFF_TOO),
    Row(
        "Query.node",
        NODE_STOCK_ITEM,
        _node,
        variant="StockItem",
        **NODE_READ,
    ),
    Row(
        "Mutation.createStockItem",
        CREATE,
        lambda w, t: {
            "input": {
                "storeId": w.store(t),
                "name": w.unique("item"),
                "unit": "개",
                "baseQuantity": 50,
            }
        },
        **STAFF_TOO,
    ),
    Row("Mutation.updateStockItem", UPDATE, _update, **STAFF_TOO),
    Row("Mutation.adjustStock", ADJUST, _adjust, **STAFF_TOO),
    Row("Mutation.reorderStock", REORDER, _reorder, **MANAGERS),
    Row("Mutation.setProductStockUse", SET_USE, _set_use, **MANAGERS),
]
