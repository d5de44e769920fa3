"""Orders (C2): staff handle orders (create, advance, cancel); refunds are for managers and up;
a partner key creates and advances orders."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

STORE_ORDERS = "query($id: ID!) { store(id: $id) { id orders { edges { node { id status } } } } }"
NODE_ORDER = "query($id: ID!) { node(id: $id) { id ... on Order { status total } } }"
CREATE_ORDER = """
mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }
"""
ADVANCE_ORDER = """
mutation($input: AdvanceOrderInput!) { advanceOrder(input: $input) { __typename } }
"""
CANCEL_ORDER = """
mutation($input: CancelOrderInput!) { cancelOrder(input: $input) { __typename } }
"""
REFUND_ORDER = """
mutation($input: RefundOrderInput!) { refundOrder(input: $input) { __typename } }
"""


async def _node(w: World, target: str) -> dict:
    return {"id": await w.fresh_order(target)}


async def _create(w: World, target: str) -> dict:
    return {
        "input": {
            "storeId": w.store(target),
            "channel": "IN_STORE",
            "lines": [{"productId": await w.fresh_product(target), "quantity": 2}],
            "idempotencyKey": w.unique("table-order"),
        }
    }


async def _advance(w: World, target: str) -> dict:
    return {"input": {"orderId": await w.fresh_order(target), "to": "CONFIRMED"}}


async def _cancel(w: World, target: str) -> dict:
    return {"input": {"orderId": await w.fresh_order(target), "reason": "table"}}


async def _refund(w: World, target: str) -> dict:
    return {"input": {"orderId": await w.fresh_order(target, "COMPLETED"), "reason": "table"}}


ROWS = [
    Row(
        "Store.orders", STORE_ORDERS, lambda w, t: {"id": w.store(t)},
        #             own        other
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Query.node", NODE_ORDER, _node, variant="Order",
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.createOrder", CREATE_ORDER, _create,
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.advanceOrder", ADVANCE_ORDER, _advance,
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.cancelOrder", CANCEL_ORDER, _cancel,
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.refundOrder", REFUND_ORDER, _refund,
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (FORBIDDEN, ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
]
