"""Tiers (F1-F5): everyone of the store reads them; owners manage the ladder and promotions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.checkout import loyalty
from tests.client import gid

TIERS = "query($id: ID!) { store(id: $id) { id tiers { id name } } }"
PROGRAM = "query($id: ID!) { store(id: $id) { id tierProgram { windowDays } } }"
PROMOTIONS = "query($id: ID!) { store(id: $id) { id tierPromotions { edges { node { id } } } } }"
NODE_TIER = "query($id: ID!) { node(id: $id) { id ... on Tier { rank } } }"
CREATE = "mutation($input: CreateTierInput!) { createTier(input: $input) { __typename } }"
UPDATE = "mutation($input: UpdateTierInput!) { updateTier(input: $input) { __typename } }"
DELETE = "mutation($input: DeleteTierInput!) { deleteTier(input: $input) { __typename } }"
SET_PROGRAM = (
    "mutation($input: UpdateTierProgramInput!) { updateTierProgram(input: $input) { __typename } }"
)
PROMOTE = (
    "mutation($input: CreateTierPromotionInput!) { createTierPromotion(input: $input) "
    "{ __typename } }"
)


def _rank(w: World) -> int:
    return int(w.unique("rank").rpartition("-")[2])


async def _tier(w: World, target: str) -> str:
    rank = _rank(w)
    made = await loyalty.tier(w.store_id(target), rank=rank, min_amount=rank * 1000)
    return gid("Tier", made.id)


def _create(w: World, target: str) -> dict:
    rank = _rank(w)
    return {
        "input": {
            "storeId": w.store(target),
            "name": f"T{rank}",
            "rank": rank,
            "minAmount": rank * 1000,
        }
    }


async def _promote(w: World, target: str) -> dict:
    now = datetime.now(UTC)
    return {
        "input": {
            "storeId": w.store(target),
            "name": "x2",
            "fromTierId": await _tier(w, target),
            "pointsMultiplierBp": 20000,
            "startsAt": now.isoformat(),
            "endsAt": (now + timedelta(days=7)).isoformat(),
            "idempotencyKey": w.unique("promote"),
        }
    }


READ = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
OWNER = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.tiers", TIERS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.tierProgram", PROGRAM, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.tierPromotions", PROMOTIONS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Query.node", NODE_TIER, lambda w, t: _node(w, t), variant="Tier", **READ),
    Row("Mutation.createTier", CREATE, _create, **OWNER),
    Row("Mutation.updateTier", UPDATE, lambda w, t: _update(w, t), **OWNER),
    Row("Mutation.deleteTier", DELETE, lambda w, t: _delete(w, t), **OWNER),
    Row(
        "Mutation.updateTierProgram",
        SET_PROGRAM,
        lambda w, t: {"input": {"storeId": w.store(t), "windowDays": 180}},
        **OWNER,
    ),
    Row("Mutation.createTierPromotion", PROMOTE, _promote, **OWNER),
]


async def _node(w: World, target: str) -> dict:
    return {"id": await _tier(w, target)}


async def _update(w: World, target: str) -> dict:
    return {"input": {"tierId": await _tier(w, target), "name": w.unique("renamed")}}


async def _delete(w: World, target: str) -> dict:
    return {"input": {"tierId": await _tier(w, target)}}


CUSTOMER_TIER = "query($id: ID!) { node(id: $id) { id ... on Customer { tier { rank } } } }"
CUSTOMER_HISTORY = (
    "query($id: ID!) { node(id: $id) { id "
    "... on Customer { tierHistory { edges { node { reason } } } } } }"
)


async def _member(w: World, target: str) -> dict:
    from datetime import datetime

    from models.tiers import CustomerTier
    from tests.orders import factories

    customer = await factories.customer(w.store_id(target))
    rank = _rank(w)
    held = await loyalty.tier(w.store_id(target), rank=rank, min_amount=rank * 1000)
    await CustomerTier.create(
        store_id=w.store_id(target),
        customer_id=customer,
        tier=held,
        since=datetime.now(UTC),
    )
    return {"id": gid("Customer", customer)}


ROWS += [
    Row("Customer.tier", CUSTOMER_TIER, _member, **READ),
    Row("Customer.tierHistory", CUSTOMER_HISTORY, _member, **READ),
]
