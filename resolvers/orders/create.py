"""Creating an order: the server prices every line; an idempotency key makes retries safe."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import IdempotencyKeyReused, InvalidInput, NotFound, ProductArchived
from models.catalogue import Product
from models.customers import Customer
from models.notifications import NotificationKind
from models.orders import Order, OrderChannel, OrderLine
from models.webhooks import EventType
from policies.catalogue import STORE_ROLES
from resolvers import events, inventory
from resolvers.alerts import raise_alert
from resolvers.orders import checkout

MAX_LINES = 100
MAX_QUANTITY = 999
MAX_TOTAL = 2**31 - 1
MAX_KEY_LENGTH = 100
PICKUP_CHANNELS = frozenset({OrderChannel.ONLINE, OrderChannel.PICKUP, OrderChannel.DELIVERY})


@dataclass(frozen=True)
class LineRequest:
    product_id: int
    quantity: int


@dataclass(frozen=True)
class OrderRequest:
    store_id: int
    channel: OrderChannel
    lines: tuple[LineRequest, ...]
    idempotency_key: str
    customer_id: int | None = None
    pickup_at: datetime | None = None
    coupon_id: int | None = None
    redemption_ids: tuple[int, ...] = ()

    def digest(self) -> str:
        pickup = self.pickup_at.astimezone(UTC).isoformat() if self.pickup_at else None
        normal: dict[str, Any] = {
            "store": self.store_id,
            "customer": self.customer_id,
            "channel": self.channel.value,
            "pickup_at": pickup,
            "lines": [[line.product_id, line.quantity] for line in self.lines],
        }
        if self.coupon_id is not None:
            normal["coupon"] = self.coupon_id
        if self.redemption_ids:
            normal["redemptions"] = sorted(self.redemption_ids)
        text = json.dumps(normal, separators=(",", ":"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _check_shape(request: OrderRequest) -> None:
    key = request.idempotency_key
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} characters.", field="idempotency_key"
        )
    if not request.lines:
        raise InvalidInput("An order needs at least one line.", field="lines")
    if len(request.lines) > MAX_LINES:
        raise InvalidInput(f"An order has at most {MAX_LINES} lines.", field="lines")
    for index, line in enumerate(request.lines):
        if not 1 <= line.quantity <= MAX_QUANTITY:
            raise InvalidInput(
                f"A quantity is between 1 and {MAX_QUANTITY}.", field=f"lines.{index}.quantity"
            )
    pickup_at = request.pickup_at
    if pickup_at is not None and pickup_at.utcoffset() is None:
        raise InvalidInput("pickupAt needs a time zone offset.", field="pickup_at")
    if pickup_at is not None and request.channel not in PICKUP_CHANNELS:
        raise InvalidInput(
            "Only online, pickup and delivery orders have a pickup time.", field="pickup_at"
        )
    if pickup_at is None and request.channel == OrderChannel.PICKUP:
        raise InvalidInput("A pickup order needs the expected pickup time.", field="pickup_at")


async def _replay(request: OrderRequest, digest: str) -> Order | None:
    first = await Order.get_or_none(
        store_id=request.store_id, idempotency_key=request.idempotency_key
    )
    if first is None:
        return None
    if first.request_digest != digest:
        raise IdempotencyKeyReused(
            "This idempotency key was used for a different order.", field="idempotency_key"
        )
    return first


async def _priced_lines(request: OrderRequest) -> tuple[list[OrderLine], dict[int, int | None]]:
    """The lines at today's prices, and the category of each product ordered."""
    wanted = {line.product_id for line in request.lines}
    products = {
        product.id: product
        for product in await Product.filter(id__in=wanted, store_id=request.store_id)
    }
    lines = []
    for index, line in enumerate(request.lines):
        product = products.get(line.product_id)
        field = f"lines.{index}.productId"
        if product is None:
            raise NotFound("No such product.", field=field)
        if product.is_archived:
            raise ProductArchived(
                f"{product.name} is no longer sold.",
                field=field,
                product_id=product.id,
            )
        lines.append(
            OrderLine(
                product_id=product.id,
                product_name=product.name,
                unit_price=product.price,
                quantity=line.quantity,
                line_total=product.price * line.quantity,
            )
        )
    return lines, {pk: product.category_id for pk, product in products.items()}


async def _check_context(request: OrderRequest) -> None:
    customer_id = request.customer_id
    if customer_id is not None and not await Customer.exists(
        id=customer_id, store_id=request.store_id
    ):
        raise NotFound("No such customer.", field="customer_id")
    if request.pickup_at is not None and request.pickup_at <= datetime.now(UTC):
        raise InvalidInput("pickupAt must be in the future.", field="pickup_at")


async def _alert_new_order(ctx: Context, order: Order) -> None:
    """An order from outside the counter (online, pickup, delivery) alerts the store's people;
    new-order alerts cannot be switched off."""
    pickup_at = order.pickup_at.isoformat() if order.pickup_at else None
    await raise_alert(
        ctx,
        store_id=order.store_id,
        kind=NotificationKind.NEW_ORDER,
        payload={
            "order_id": order.id,
            "channel": order.channel.value,
            "total": order.total,
            "pickup_at": pickup_at,
        },
        roles=STORE_ROLES,
    )


async def create_order(ctx: Context, request: OrderRequest) -> Order:
    """Same key and same input: the first order again; a different input: IdempotencyKeyReused."""
    _check_shape(request)
    digest = request.digest()
    first = await _replay(request, digest)
    if first is not None:
        return first
    principal = await ctx.principal()
    # Reads and validation before the transaction: on SQLite it holds the one connection (and
    # the write lock) from its first statement, so only what must be read with the writes is in it.
    await _check_context(request)
    lines, categories = await _priced_lines(request)
    try:
        # A retry racing this one in between: the key's unique index refuses the second insert,
        # and the IntegrityError below answers the first order.
        async with write_transaction():
            if request.customer_id is not None:
                # A customer's checkouts take turns: coupons, rewards and the first-visit offer
                # are theirs to use once. Locked before the order's insert takes its share lock.
                await lock_rows(Customer, id=request.customer_id)
            await inventory.check_available(
                [(line.product_id, line.quantity) for line in request.lines]
            )
            subtotal = sum(line.line_total for line in lines)
            if subtotal > MAX_TOTAL:
                raise InvalidInput("The order total is too large.", field="lines")
            order = await Order.create(
                store_id=request.store_id,
                customer_id=request.customer_id,
                channel=request.channel,
                pickup_at=request.pickup_at,
                subtotal=subtotal,
                discount_total=0,
                total=subtotal,
                idempotency_key=request.idempotency_key,
                request_digest=digest,
                created_by_id=principal.account_id,
                created_by_api_key_id=principal.api_key_id,
            )
            for line in lines:
                line.order_id = order.id
            await OrderLine.bulk_create(lines)
            await checkout.apply(
                order,
                lines,
                checkout.Benefits(
                    coupon_id=request.coupon_id, redemption_ids=request.redemption_ids
                ),
                datetime.now(UTC),
                categories=categories,
            )
            await events.order_changed(EventType.ORDER_CREATED, order=order)
            if request.channel in PICKUP_CHANNELS:
                await _alert_new_order(ctx, order)
            return order
    except IntegrityError:
        first = await _replay(request, digest)
        if first is None:
            raise
        return first
