"""Moving stock: every change is a conditional update, a movement row, and a look at the alert.

Stock never goes negative: a decrease is ``UPDATE ... WHERE quantity >= n``, and a
miss is ``OutOfStock``. An alert fires once when an item reaches 30% of its base
quantity or less (``alert_armed`` is switched off by exactly one transaction), and
re-arms when the item is back above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from tortoise.expressions import F

from core.context import Context
from core.errors import NodeRef, UserError
from models.inventory import StockItem, StockMovement, StockReason
from models.notifications import NotificationKind
from resolvers.alerts import raise_alert

ALERT_PERCENT = 30


class OutOfStock(UserError):
    code = "OUT_OF_STOCK"
    stock_item_id: Annotated[int | None, NodeRef("StockItem")]
    product_id: Annotated[int | None, NodeRef("Product")]
    available: int | None
    needed: int | None


def alert_threshold(base_quantity: int) -> int:
    """The quantity at or below which an item is low: 30% of its base quantity, rounded down."""
    return base_quantity * ALERT_PERCENT // 100


def is_low(quantity: int, base_quantity: int) -> bool:
    return quantity <= alert_threshold(base_quantity)


@dataclass(frozen=True)
class Actor:
    account_id: int | None
    api_key_id: int | None


async def actor_of(ctx: Context) -> Actor:
    principal = await ctx.principal()
    return Actor(principal.account_id, principal.api_key_id)


async def move(
    ctx: Context,
    item: StockItem,
    delta: int,
    reason: StockReason,
    *,
    actor: Actor,
    order_id: int | None = None,
    product_id: int | None = None,
    note: str = "",
) -> int:
    """Change ``item``'s quantity by ``delta`` inside the caller's transaction; the new quantity."""
    if delta < 0:
        moved = await StockItem.filter(id=item.id, quantity__gte=-delta).update(
            quantity=F("quantity") + delta
        )
        if not moved:
            available = await quantity_of(item.id)
            raise OutOfStock(
                f"Only {available} {item.unit} of {item.name} left; {-delta} needed.",
                field="quantity" if order_id is None else None,
                stock_item_id=item.id,
                product_id=product_id,
                available=available,
                needed=-delta,
            )
    elif delta > 0:
        await StockItem.filter(id=item.id).update(quantity=F("quantity") + delta)
    after = await quantity_of(item.id)
    await StockMovement.create(
        stock_item_id=item.id,
        store_id=item.store_id,
        reason=reason,
        delta=delta,
        quantity_after=after,
        note=note,
        order_id=order_id,
        actor_id=actor.account_id,
        actor_api_key_id=actor.api_key_id,
    )
    await watch(ctx, item, after)
    return after


async def quantity_of(item_id: int) -> int:
    found = await StockItem.filter(id=item_id).first().values("quantity")
    return int(found["quantity"]) if found else 0


async def watch(ctx: Context, item: StockItem, quantity: int) -> None:
    """One STOCK_WARNING per crossing into the low zone; re-armed once back above it."""
    if is_low(quantity, item.base_quantity):
        disarmed = await StockItem.filter(id=item.id, alert_armed=True).update(alert_armed=False)
        if disarmed:
            await raise_alert(
                ctx,
                store_id=item.store_id,
                kind=NotificationKind.STOCK_WARNING,
                payload={
                    "stock_item_id": item.id,
                    "message": f"{item.name}: {quantity}{item.unit} left, at or below 30% "
                    f"of the base quantity {item.base_quantity}{item.unit}",
                    "name": item.name,
                    "unit": item.unit,
                    "quantity": quantity,
                    "base_quantity": item.base_quantity,
                    "threshold": alert_threshold(item.base_quantity),
                },
            )
    else:
        await StockItem.filter(id=item.id, alert_armed=False).update(alert_armed=True)
