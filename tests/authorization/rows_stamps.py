"""Stamp cards (E1): everyone of the store reads the card; only owners configure it."""

from __future__ import annotations

from models.rewards import StampCard
from tests.authorization.rows_tiers import OWNER, READ
from tests.authorization.table import Row, World

CARD = "query($id: ID!) { store(id: $id) { id stampCard { stampsRequired } } }"
CONFIGURE = (
    "mutation($input: ConfigureStampCardInput!) { configureStampCard(input: $input) "
    "{ __typename } }"
)


async def _card(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    if not await StampCard.exists(store_id=store_id):
        await StampCard.create(store_id=store_id, stamps_required=10)
    return {"id": w.store(target)}


ROWS = [
    Row("Store.stampCard", CARD, _card, **READ),
    Row(
        "Mutation.configureStampCard",
        CONFIGURE,
        lambda w, t: {"input": {"storeId": w.store(t), "stampsRequired": 8, "rule": "PER_VISIT"}},
        **OWNER,
    ),
]


CUSTOMER_CARD = (
    "query($id: ID!) { node(id: $id) { id ... on Customer { stampCard { stamps required } } } }"
)


async def _customer(w: World, target: str) -> dict:
    from tests.client import gid
    from tests.orders import factories

    await _card(w, target)
    return {"id": gid("Customer", await factories.customer(w.store_id(target)))}


ROWS += [Row("Customer.stampCard", CUSTOMER_CARD, _customer, **READ)]


CUSTOMER_HISTORY = (
    "query($id: ID!) { node(id: $id) { id ... on Customer "
    "{ stampHistory { totalCount edges { node { id amount } } } } } }"
)

ROWS += [Row("Customer.stampHistory", CUSTOMER_HISTORY, _customer, **READ)]
