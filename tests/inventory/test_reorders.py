"""reorderStock: 100, 150 or 200% of the base quantity, idempotent, at the campaign price."""

from __future__ import annotations

import asyncio

from models.campaigns import CupHolderCampaign
from models.inventory import PurchaseOrder, StockItem
from tests.client import Api, gid

REORDER = """
mutation($input: ReorderStockInput!) {
  reorderStock(input: $input) {
    __typename
    ... on ReorderStockSuccess { purchaseOrder { id percent quantity unitPrice total campaignId } }
    ... on UserError { code field }
  }
}
"""


async def _reorder(api: Api, token: str, item_id: int, percent: int, key: str) -> dict:
    variables = {
        "input": {
            "stockItemId": gid("StockItem", item_id),
            "percent": percent,
            "idempotencyKey": key,
        }
    }
    return (await api.data(REORDER, variables, token=token))["reorderStock"]


async def test_racing_reorders_with_one_key_make_one_purchase_order(api: Api) -> None:
    # given
    manager = await api.token("manager1@dangol.test")
    item = await StockItem.create(
        store_id=1, name="우유 테스트", unit="L", base_quantity=31, quantity=5, unit_price=2_800
    )
    # when 10 reorders race with one key, and one more is sent with another key
    same = await asyncio.gather(*(_reorder(api, manager, item.id, 150, "po-1") for _ in range(10)))
    other = await _reorder(api, manager, item.id, 200, "po-2")
    # then one purchase order for the first key: 150% of 31 rounded up = 47 units
    assert {r["purchaseOrder"]["id"] for r in same} == {same[0]["purchaseOrder"]["id"]}
    assert same[0]["purchaseOrder"]["quantity"] == 47
    assert same[0]["purchaseOrder"]["total"] == 47 * 2_800
    assert other["purchaseOrder"]["quantity"] == 62
    assert await PurchaseOrder.filter(stock_item_id=item.id).count() == 2
    # and the key cannot be reused for another request
    reused = await _reorder(api, manager, item.id, 100, "po-1")
    assert reused["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_only_100_150_or_200_percent(api: Api) -> None:
    manager = await api.token("manager1@dangol.test")
    item = await StockItem.create(store_id=1, name="시럽", unit="병", base_quantity=10)
    refused = await _reorder(api, manager, item.id, 120, "po-x")
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", "percent")


async def test_a_campaign_supply_is_priced_at_the_stores_campaign_price(api: Api) -> None:
    # given store 2 (Silver) holds the demo campaign's cup holders (35 won, Silver pays 11)
    owner = await api.token("owner2@dangol.test")
    campaign = await CupHolderCampaign.get(name__startswith="2026")
    item = await StockItem.get(store_id=2, name="컵홀더")
    assert item.campaign_id == campaign.id and item.unit_price == 40
    # when
    ordered = await _reorder(api, owner, item.id, 100, "cups-1")
    # then
    assert ordered["purchaseOrder"] == {
        "id": ordered["purchaseOrder"]["id"],
        "percent": 100,
        "quantity": 500,
        "unitPrice": 11,
        "total": 5_500,
        "campaignId": gid("CupHolderCampaign", campaign.id),
    }
