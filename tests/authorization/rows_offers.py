"""First-visit offers (C4): read by everyone of the store; owners and managers set them."""

from __future__ import annotations

from models.coupons import FirstVisitOffer, FirstVisitOfferKind
from tests.authorization.rows_coupons import MANAGE
from tests.authorization.rows_tiers import READ
from tests.authorization.table import Row, World

OFFER = "query($id: ID!) { store(id: $id) { id firstVisitOffer { kind } } }"
SET = (
    "mutation($input: SetFirstVisitOfferInput!) { setFirstVisitOffer(input: $input) "
    "{ __typename } }"
)


async def _offer(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    if not await FirstVisitOffer.exists(store_id=store_id, is_active=True):
        await FirstVisitOffer.create(store_id=store_id, kind=FirstVisitOfferKind.PERCENT, value=10)
    return {"id": w.store(target)}


ROWS = [
    Row("Store.firstVisitOffer", OFFER, _offer, **READ),
    Row(
        "Mutation.setFirstVisitOffer",
        SET,
        lambda w, t: {"input": {"storeId": w.store(t), "kind": "FIXED", "value": 1000}},
        **MANAGE,
    ),
]
