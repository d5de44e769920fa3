"""Stock and orders (G2): confirming an order takes what its products use; cancelling gives it back.

Both run inside the order's transaction, so a confirmation that finds an item short
(``OutOfStock``) leaves the order as it was. Items are taken in id order, so racing
confirmations lock rows in one order and never deadlock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from tortoise.functions import Sum

from core.context import Context
from models.inventory import ProductStockUse, StockItem, StockMovement, StockReason
from models.orders import OrderLine
from resolvers.inventory.stock import OutOfStock, actor_of, move


async def _needs(lines: Sequence[tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Per stock item: (units needed, first product needing it) for (product, quantity) lines."""
    product_ids = {product_id for product_id, _ in lines}
    uses: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for row in await ProductStockUse.filter(product_id__in=product_ids).values(
        "product_id", "stock_item_id", "quantity"
    ):
        uses[int(row["product_id"])].append((int(row["stock_item_id"]), int(row["quantity"])))
    needs: dict[int, tuple[int, int]] = {}
    for product_id, quantity in lines:
        for item_id, per_unit in uses.get(product_id, []):
            units, first = needs.get(item_id, (0, product_id))
            needs[item_id] = (units + per_unit * quantity, first)
    return needs


async def check_available(lines: Sequence[tuple[int, int]]) -> None:
    """Refuse an order whose products need more of an item than is on hand now (no reservation)."""
    needs = await _needs(lines)
    if not needs:
        return
    items = {item.id: item for item in await StockItem.filter(id__in=list(needs))}
    for item_id in sorted(needs):
        units, product_id = needs[item_id]
        item = items[item_id]
        if item.quantity < units:
            raise OutOfStock(
                f"{item.name} is out: {item.quantity} {item.unit} left, {units} needed.",
                field="lines",
                stock_item_id=item_id,
                product_id=product_id,
                available=item.quantity,
                needed=units,
            )


async def take_for_order(ctx: Context, *, order_id: int) -> None:
    lines = await OrderLine.filter(order_id=order_id).values_list("product_id", "quantity")
    needs = await _needs([(int(p), int(q)) for p, q in lines])
    if not needs:
        return
    actor = await actor_of(ctx)
    items = {item.id: item for item in await StockItem.filter(id__in=list(needs))}
    for item_id in sorted(needs):
        units, product_id = needs[item_id]
        await move(
            ctx,
            items[item_id],
            -units,
            StockReason.ORDER_CONFIRMED,
            actor=actor,
            order_id=order_id,
            product_id=product_id,
        )


async def give_back_for_order(ctx: Context, *, order_id: int) -> None:
    """Put back what the order's confirmation took (nothing if it was never confirmed)."""
    taken = (
        await StockMovement.filter(order_id=order_id, reason=StockReason.ORDER_CONFIRMED)
        .annotate(total=Sum("delta"))
        .group_by("stock_item_id")
        .values_list("stock_item_id", "total")
    )
    if not taken:
        return
    actor = await actor_of(ctx)
    items = {item.id: item for item in await StockItem.filter(id__in=[i for i, _ in taken])}
    for item_id, total in sorted(taken):
        if total:
            await move(
                ctx,
                items[item_id],
                -int(total),
                StockReason.ORDER_CANCELLED,
                actor=actor,
                order_id=order_id,
            )


async def sold_out(product_ids: list[int]) -> list[bool]:
    """Whether each product needs, for one unit, more of some item than is on hand (two queries)."""
    uses = await ProductStockUse.filter(product_id__in=product_ids).values(
        "product_id", "stock_item_id", "quantity"
    )
    on_hand = {
        int(row["id"]): int(row["quantity"])
        for row in await StockItem.filter(id__in={u["stock_item_id"] for u in uses}).values(
            "id", "quantity"
        )
    }
    short = {
        int(use["product_id"])
        for use in uses
        if on_hand.get(int(use["stock_item_id"]), 0) < int(use["quantity"])
    }
    return [product_id in short for product_id in product_ids]
