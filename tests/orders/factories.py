"""Objects for order tests, made directly with the models, and the GraphQL documents they use."""

from __future__ import annotations

import base64
import itertools
import secrets
from typing import Any

from models.catalogue import Product
from models.customers import Customer
from models.orders import Order, OrderChannel, OrderLine, OrderStatus
from tests.client import Api, gid

STORE_1 = 1
STORE_2 = 2
_keys = itertools.count(1)

ORDER_FIELDS = """
id status channel subtotal discountTotal total refundedAmount isFirstVisit customerId
createdByApiKeyId createdBy { email name } completedBy { email name }
lines { productId productName unitPrice quantity lineTotal }
"""
CREATE_ORDER = f"""
mutation($input: CreateOrderInput!) {{
  createOrder(input: $input) {{
    __typename
    ... on OrderSuccess {{ order {{ {ORDER_FIELDS} }} }}
    ... on UserError {{ code message field }}
    ... on ProductArchived {{ productId }}
  }}
}}
"""
ADVANCE_ORDER = f"""
mutation($input: AdvanceOrderInput!) {{
  advanceOrder(input: $input) {{
    __typename
    ... on OrderSuccess {{ order {{ {ORDER_FIELDS} }} }}
    ... on IllegalOrderTransition {{ from to }}
    ... on UserError {{ code message field }}
  }}
}}
"""
CANCEL_ORDER = f"""
mutation($input: CancelOrderInput!) {{
  cancelOrder(input: $input) {{
    __typename
    ... on OrderSuccess {{ order {{ {ORDER_FIELDS} cancelledAt }} }}
    ... on IllegalOrderTransition {{ from to }}
    ... on UserError {{ code message field }}
  }}
}}
"""
REFUND_ORDER = f"""
mutation($input: RefundOrderInput!) {{
  refundOrder(input: $input) {{
    __typename
    ... on OrderSuccess {{ order {{ {ORDER_FIELDS} refundedAt }} }}
    ... on IllegalOrderTransition {{ from to }}
    ... on RefundExceedsRemaining {{ remaining }}
    ... on UserError {{ code message field }}
  }}
}}
"""


async def product(
    store_id: int = STORE_1, *, name: str = "아메리카노", price: int = 4500, archived: bool = False
) -> Product:
    return await Product.create(store_id=store_id, name=name, price=price, is_archived=archived)


async def customer(store_id: int = STORE_1) -> int:
    """A customer's id (its name and phone are placeholders, not sealed)."""
    created = await Customer.create(
        store_id=store_id,
        name_encrypted="x",
        phone_encrypted="x",
        phone_index=secrets.token_hex(16),
    )
    return created.id


async def visits(customer_id: int) -> dict[str, Any]:
    rows = await Customer.filter(id=customer_id).values(
        "visit_count", "total_paid", "first_visit_at", "last_visit_at"
    )
    return rows[0]


async def order(
    store_id: int = STORE_1,
    *,
    status: OrderStatus = OrderStatus.RECEIVED,
    customer_id: int | None = None,
    price: int = 4500,
    quantity: int = 2,
) -> Order:
    """An order made straight in the database, for tests of what happens to it later."""
    item = await product(store_id, price=price)
    total = price * quantity
    created = await Order.create(
        store_id=store_id,
        customer_id=customer_id,
        channel=OrderChannel.IN_STORE,
        status=status,
        subtotal=total,
        total=total,
        idempotency_key=f"factory-{next(_keys)}-{secrets.token_hex(4)}",
        request_digest="factory",
    )
    await OrderLine.create(
        order=created,
        product_id=item.id,
        product_name=item.name,
        unit_price=price,
        quantity=quantity,
        line_total=total,
    )
    return created


def pk(global_id: str) -> int:
    return int(base64.b64decode(global_id).decode().rpartition(":")[2])


def order_input(
    store_id: int,
    lines: list[tuple[int, int]],
    *,
    key: str | None = None,
    channel: str = "IN_STORE",
    customer_id: int | None = None,
    **extra: Any,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "storeId": gid("Store", store_id),
        "channel": channel,
        "lines": [{"productId": gid("Product", pk), "quantity": qty} for pk, qty in lines],
        "idempotencyKey": key or f"key-{next(_keys)}",
        **extra,
    }
    if customer_id is not None:
        value["customerId"] = gid("Customer", customer_id)
    return {"input": value}


async def create_order(api: Api, token: str, variables: dict[str, Any]) -> dict[str, Any]:
    return (await api.data(CREATE_ORDER, variables, token=token))["createOrder"]


async def advance(api: Api, token: str, order_id: int | str, to: str) -> dict[str, Any]:
    global_id = order_id if isinstance(order_id, str) else gid("Order", order_id)
    variables = {"input": {"orderId": global_id, "to": to}}
    return (await api.data(ADVANCE_ORDER, variables, token=token))["advanceOrder"]


async def complete(api: Api, token: str, order_id: int | str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for to in ("CONFIRMED", "PREPARING", "READY", "COMPLETED"):
        result = await advance(api, token, order_id, to)
        assert result["__typename"] == "OrderSuccess", result
    return result["order"]
