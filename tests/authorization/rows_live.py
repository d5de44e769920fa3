"""Subscriptions (J2): order events for everyone at the counter and partners, stock alerts for
the store's people, live KPIs for owners and managers; another store's answer is absent."""

from __future__ import annotations

from core.context import Context
from core.database import write_transaction
from models.catalogue import Product
from models.notifications import NotificationKind
from policies.enforcement import Principal
from resolvers.alerts import raise_alert
from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World
from tests.client import gid

ORDER_EVENTS = """
subscription($storeId: ID!) { orderEvents(storeId: $storeId) { type order { id } } }
"""
STOCK_ALERTS = "subscription($storeId: ID!) { stockAlerts(storeId: $storeId) { eventId } }"
LIVE_KPIS = "subscription($storeId: ID!) { liveKpis(storeId: $storeId) { orders sales } }"
CREATE_ORDER = """
mutation($input: CreateOrderInput!) { createOrder(input: $input) { __typename } }
"""


def _store(w: World, target: str) -> dict:
    return {"storeId": w.store(target)}


async def _order(w: World, target: str) -> None:
    product = await Product.create(store_id=w.store_id(target), name="라떼", price=5000)
    await w.data_as(
        "admin",
        CREATE_ORDER,
        {
            "input": {
                "storeId": w.store(target),
                "channel": "IN_STORE",
                "lines": [{"productId": gid("Product", product.id), "quantity": 1}],
                "idempotencyKey": w.unique("live-row"),
            }
        },
    )


async def _stock_warning(w: World, target: str) -> None:
    assert w.live is not None
    ctx = Context.for_principal(w.live[1], Principal(account_id=w.account_ids["admin"]))
    async with write_transaction():
        await raise_alert(
            ctx,
            store_id=w.store_id(target),
            kind=NotificationKind.STOCK_WARNING,
            payload={"stock_item_id": 1, "message": "우유 부족"},
        )


ROWS = [
    Row(
        "Subscription.orderEvents",
        ORDER_EVENTS,
        _store,
        trigger=_order,
        #             own        other
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(OK, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Subscription.stockAlerts",
        STOCK_ALERTS,
        _store,
        trigger=_stock_warning,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Subscription.liveKpis",
        LIVE_KPIS,
        _store,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]
