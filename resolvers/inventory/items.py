"""Stock items: created and kept by the store, adjusted with a reason, consumed by products."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import AlreadyExists, InvalidInput, NotFound
from models.campaigns import CupHolderCampaign
from models.catalogue import Product
from models.inventory import ProductStockUse, StockItem, StockMovement, StockReason
from resolvers import audit
from resolvers.inventory.stock import actor_of, move, watch

MAX_QUANTITY = 1_000_000
MAX_PRICE = 10_000_000
MAX_USES = 20
ADJUSTMENT_REASONS = (StockReason.RECEIVED, StockReason.COUNTED, StockReason.WASTED)


@dataclass(frozen=True)
class StockItemInput:
    store_id: int
    name: str
    unit: str
    base_quantity: int
    quantity: int = 0
    unit_price: int = 0
    campaign_id: int | None = None


def _text(value: str, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise InvalidInput(f"{field} needs 1 to {limit} characters.", field=field)
    return cleaned


def _count(value: int, field: str, *, minimum: int = 0) -> int:
    if not minimum <= value <= MAX_QUANTITY:
        raise InvalidInput(f"{field} is {minimum} to {MAX_QUANTITY}.", field=field)
    return value


def _price(value: int) -> int:
    if not 0 <= value <= MAX_PRICE:
        raise InvalidInput(f"unit_price is 0 to {MAX_PRICE} won.", field="unit_price")
    return value


async def _campaign(campaign_id: int | None) -> int | None:
    if campaign_id is not None and not await CupHolderCampaign.exists(id=campaign_id):
        raise NotFound("No such campaign.", field="campaign_id")
    return campaign_id


def _duplicate(exc: IntegrityError) -> AlreadyExists:
    return AlreadyExists("This store already has a stock item of that name.", field="name")


async def create_stock_item(ctx: Context, item: StockItemInput) -> StockItem:
    name, unit = _text(item.name, "name", 100), _text(item.unit, "unit", 20)
    base = _count(item.base_quantity, "base_quantity", minimum=1)
    quantity = _count(item.quantity, "quantity")
    price = _price(item.unit_price)
    actor = await actor_of(ctx)
    try:
        async with write_transaction():
            campaign_id = await _campaign(item.campaign_id)
            created = await StockItem.create(
                store_id=item.store_id,
                name=name,
                unit=unit,
                base_quantity=base,
                quantity=0,
                unit_price=price,
                campaign_id=campaign_id,
            )
            await move(ctx, created, quantity, StockReason.COUNTED, actor=actor, note="first count")
    except IntegrityError as exc:
        raise _duplicate(exc) from exc
    return await StockItem.get(id=created.id)


@dataclass(frozen=True)
class StockItemChanges:
    name: str | None = None
    unit: str | None = None
    base_quantity: int | None = None
    unit_price: int | None = None
    campaign_id: int | None = None
    clear_campaign: bool = False


async def update_stock_item(
    ctx: Context, *, stock_item_id: int, changes: StockItemChanges
) -> StockItem:
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = _text(changes.name, "name", 100)
    if changes.unit is not None:
        values["unit"] = _text(changes.unit, "unit", 20)
    if changes.base_quantity is not None:
        values["base_quantity"] = _count(changes.base_quantity, "base_quantity", minimum=1)
    if changes.unit_price is not None:
        values["unit_price"] = _price(changes.unit_price)
    try:
        async with write_transaction():
            if changes.clear_campaign:
                values["campaign_id"] = None
            elif changes.campaign_id is not None:
                values["campaign_id"] = await _campaign(changes.campaign_id)
            await lock_rows(StockItem, id=stock_item_id)
            item = await StockItem.get_or_none(id=stock_item_id)
            if item is None:
                raise NotFound("No such stock item.", field="stock_item_id")
            if values:
                await StockItem.filter(id=stock_item_id).update(**values)
                item = await StockItem.get(id=stock_item_id)
                await watch(ctx, item, item.quantity)
    except IntegrityError as exc:
        raise _duplicate(exc) from exc
    return await StockItem.get(id=stock_item_id)


async def adjust_stock(
    ctx: Context, *, stock_item_id: int, reason: StockReason, quantity: int, note: str = ""
) -> StockItem:
    """RECEIVED adds ``quantity``, WASTED takes it away, COUNTED sets the count to it."""
    if reason not in ADJUSTMENT_REASONS:
        raise InvalidInput(
            "An adjustment is RECEIVED, COUNTED or WASTED; orders move stock themselves.",
            field="reason",
        )
    minimum = 0 if reason == StockReason.COUNTED else 1
    _count(quantity, "quantity", minimum=minimum)
    note = note.strip()
    if len(note) > 200:
        raise InvalidInput("A note has at most 200 characters.", field="note")
    actor = await actor_of(ctx)
    async with write_transaction():
        await lock_rows(StockItem, id=stock_item_id)
        item = await StockItem.get_or_none(id=stock_item_id)
        if item is None:
            raise NotFound("No such stock item.", field="stock_item_id")
        delta = {
            StockReason.RECEIVED: quantity,
            StockReason.WASTED: -quantity,
            StockReason.COUNTED: quantity - item.quantity,
        }[reason]
        await move(ctx, item, delta, reason, actor=actor, note=note)
    return await StockItem.get(id=stock_item_id)


async def set_product_stock_use(
    ctx: Context, *, product_id: int, uses: list[tuple[int, int]]
) -> list[ProductStockUse]:
    """Replace the product's recipe: (stock item, units per product unit) pairs; [] clears it."""
    if len(uses) > MAX_USES:
        raise InvalidInput(f"A product uses at most {MAX_USES} stock items.", field="uses")
    seen: set[int] = set()
    for index, (item_id, per_unit) in enumerate(uses):
        if item_id in seen:
            raise InvalidInput("A stock item is named once.", field=f"uses.{index}.stock_item_id")
        seen.add(item_id)
        if not 1 <= per_unit <= 1000:
            raise InvalidInput("A product uses 1 to 1000 units.", field=f"uses.{index}.quantity")
    async with write_transaction():
        product = await Product.get_or_none(id=product_id)
        if product is None:
            raise NotFound("No such product.", field="product_id")
        store_id: int = product.store_id
        found = {
            int(row["id"])
            for row in await StockItem.filter(id__in=seen, store_id=store_id).values("id")
        }
        for index, (item_id, _) in enumerate(uses):
            if item_id not in found:
                raise NotFound("No such stock item.", field=f"uses.{index}.stock_item_id")
        await ProductStockUse.filter(product_id=product_id).delete()
        await ProductStockUse.bulk_create(
            [
                ProductStockUse(
                    product_id=product_id, stock_item_id=item_id, store_id=store_id, quantity=q
                )
                for item_id, q in uses
            ]
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="products.manage",
            target_type="product",
            target_id=product_id,
            after={"stock_uses": [[item_id, q] for item_id, q in uses]},
        )
    return await uses_of(product_id)


async def uses_of(product_id: int) -> list[ProductStockUse]:
    return await ProductStockUse.filter(product_id=product_id).order_by("stock_item_id")


async def stock_items_page(*, store_id: int, size: int, after_id: int | None) -> list[StockItem]:
    query = StockItem.filter(store_id=store_id)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)


async def movements_page(
    *, stock_item_id: int, size: int, before_id: int | None
) -> list[StockMovement]:
    """Newest first; one more than asked."""
    query = StockMovement.filter(stock_item_id=stock_item_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)
