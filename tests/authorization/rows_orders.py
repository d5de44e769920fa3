"""Orders (C2-C5): staff and partner keys take and advance orders;
refunds are for owners and managers."""

from __future__ import annotations

from datetime import UTC, datetime

from models.orders import Order, OrderStatus
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

STORE_ORDERS = "query($id: ID!) { store(id: $id) { id orders { edges { node { id } } } } }"
NODE_ORDER = "query($id: ID!) { node(id: $id) { id ... on Order { status } } }"
CREATE_ORDER = "mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }"
ADVANCE_ORDER = (
    "mutation($input: AdvanceOrderInput!) { advanceOrder(input: $input) { __typename } }"
)
CANCEL_ORDER = "mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename } }"
REFUND_ORDER = "mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename } }"


async def _order(w: World, target: str, status: OrderStatus = OrderStatus.RECEIVED) -> str:
    return gid("Order", (await factories.order(w.store_id(target), status=status)).id)


async def _node(w: World, target: str) -> dict:
    return {"id": await _order(w, target)}


async def _create(w: World, target: str) -> dict:
    product = await factories.product(w.store_id(target))
    return {
        "input": {
            "storeId": w.store(target),
            "channel": "IN_STORE",
            "lines": [{"productId": gid("Product", product.id), "quantity": 2}],
            "idempotencyKey": w.unique("order"),
        }
    }


async def _advance(w: World, target: str) -> dict:
    return {"input": {"orderId": await _order(w, target), "to": "CONFIRMED"}}


async def _cancel(w: World, target: str) -> dict:
    return {"input": {"orderId": await _order(w, target), "idempotencyKey": w.unique("cancel")}}


async def _refund(w: World, target: str) -> dict:
    return {
        "input": {
            "orderId": await _order(w, target, OrderStatus.COMPLETED),
            "amount": 1000,
            "idempotencyKey": w.unique("refund"),
        }
    }


TAKE = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.orders", STORE_ORDERS, lambda w, t: {"id": w.store(t)}, **TAKE),
    Row("Query.node", NODE_ORDER, _node, variant="Order", **TAKE),
    Row("Mutation.createOrder", CREATE_ORDER, _create, **TAKE),
    Row("Mutation.advanceOrder", ADVANCE_ORDER, _advance, **TAKE),
    Row(
        "Mutation.cancelOrder",
        CANCEL_ORDER,
        _cancel,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.refundOrder",
        REFUND_ORDER,
        _refund,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]


ATTACH = (
    "mutation($input: AttachOrderCustomerInput!) { attachOrderCustomer(input: $input) "
    "{ __typename } }"
)


async def _attach(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    order = await factories.order(store_id, status=OrderStatus.COMPLETED)
    await Order.filter(id=order.id).update(completed_at=datetime.now(UTC))
    return {
        "input": {
            "orderId": gid("Order", order.id),
            "customerId": gid("Customer", await factories.customer(store_id)),
            "idempotencyKey": w.unique("attach"),
        }
    }


# The counter gives a paid order its customer as it takes orders: the same callers.
ROWS += [Row("Mutation.attachOrderCustomer", ATTACH, _attach, **TAKE)]
