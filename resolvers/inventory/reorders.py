"""``reorderStock``: one call orders 100, 150 or 200% of an item's base quantity.

Idempotent per key (``run_once``): racing reorders with one key make one purchase
order; different keys make different orders. A campaign supply is priced at the
store's campaign price (its grade's discount) while the store is in that running
campaign; any other item at its own unit price.
"""

from __future__ import annotations

from datetime import UTC, datetime

from core.context import Context
from core.errors import InvalidInput, NotFound
from models.campaigns import CampaignEnrollment, CupHolderCampaign
from models.inventory import PurchaseOrder, StockItem
from models.stores import Store
from resolvers import audit
from resolvers.campaigns import effective_grade, local_today, unit_cost
from resolvers.idempotency import run_once

PERCENTS = (100, 150, 200)


def reorder_quantity(base_quantity: int, percent: int) -> int:
    """``percent`` of the base quantity, rounded up to a whole unit."""
    return (base_quantity * percent + 99) // 100


async def _price(item: StockItem, store: Store, now: datetime) -> tuple[int, int | None]:
    """(unit price, campaign id) of one unit of ``item`` for ``store`` now."""
    if item.campaign_id is None:
        return item.unit_price, None
    campaign = await CupHolderCampaign.get_or_none(id=item.campaign_id)
    today = local_today(store, now)
    if (
        campaign is None
        or not campaign.starts_on <= today <= campaign.ends_on
        or not await CampaignEnrollment.exists(store_id=store.id, campaign_id=campaign.id)
    ):
        return item.unit_price, None
    grade = effective_grade(store.plan, store.campaign_grade)
    return unit_cost(campaign.unit_price, grade), campaign.id


async def reorder_stock(
    ctx: Context,
    *,
    stock_item_id: int,
    percent: int,
    idempotency_key: str,
    now: datetime | None = None,
) -> PurchaseOrder:
    if percent not in PERCENTS:
        raise InvalidInput("percent is 100, 150 or 200.", field="percent")
    item = await StockItem.get_or_none(id=stock_item_id)
    if item is None:
        raise NotFound("No such stock item.", field="stock_item_id")
    principal = await ctx.principal()
    at = now or datetime.now(UTC)

    async def execute() -> dict[str, int]:
        store = await Store.get(id=item.store_id)
        quantity = reorder_quantity(item.base_quantity, percent)
        price, campaign_id = await _price(item, store, at)
        order = await PurchaseOrder.create(
            store_id=item.store_id,
            stock_item_id=item.id,
            percent=percent,
            quantity=quantity,
            unit_price=price,
            total=quantity * price,
            campaign_id=campaign_id,
            created_by_id=principal.account_id,
            created_by_api_key_id=principal.api_key_id,
        )
        await audit.record(
            ctx,
            store_id=item.store_id,
            action="inventory.reorder",
            target_type="purchase_order",
            target_id=order.id,
            after={"stock_item_id": item.id, "quantity": quantity, "total": order.total},
        )
        return {"purchase_order_id": order.id}

    result = await run_once(
        store_id=item.store_id,
        operation="inventory.reorder",
        key=idempotency_key,
        request={"stock_item": stock_item_id, "percent": percent},
        execute=execute,
    )
    return await PurchaseOrder.get(id=result["purchase_order_id"])


async def purchase_orders_page(
    *, store_id: int, size: int, before_id: int | None
) -> list[PurchaseOrder]:
    """Newest first; one more than asked."""
    query = PurchaseOrder.filter(store_id=store_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)
