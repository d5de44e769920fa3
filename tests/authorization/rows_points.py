"""Points (D1-D8): owners change the programme and adjust; staff transfer;
the dashboard is for managers up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.points import PointEntry
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
from tests.points import helpers

PROGRAM = "query($id: ID!) { store(id: $id) { id pointProgram { earnRateBp } } }"
DASHBOARD = (
    "query($id: ID!, $p: PointsPeriodInput!) "
    "{ store(id: $id) { id pointsDashboard(period: $p) { issued } } }"
)
BALANCE = "query($id: ID!) { node(id: $id) { id ... on Customer { pointsBalance } } }"
OWED = "query($id: ID!) { node(id: $id) { id ... on Customer { pointsOwed } } }"
HISTORY = (
    "query($id: ID!) { node(id: $id) { id "
    "... on Customer { pointsHistory { edges { node { id } } } } } }"
)
NODE_ENTRY = "query($id: ID!) { node(id: $id) { id ... on PointEntry { amount } } }"
UPDATE = (
    "mutation($input: UpdatePointProgramInput!) { updatePointProgram(input: $input) "
    "{ __typename } }"
)
ADJUST = "mutation($input: AdjustPointsInput!) { adjustPoints(input: $input) { __typename } }"
TRANSFER = "mutation($input: TransferPointsInput!) { transferPoints(input: $input) { __typename } }"


async def _customer(w: World, target: str) -> dict:
    return {"id": gid("Customer", await helpers.customer(w.store_id(target)))}


async def _entry(w: World, target: str) -> dict:
    entry: PointEntry = await helpers.give(
        await helpers.customer(w.store_id(target)), 10, w.store_id(target)
    )
    return {"id": gid("PointEntry", entry.id)}


def _period(w: World, target: str) -> dict:
    now = datetime.now(UTC)
    return {
        "id": w.store(target),
        "p": {
            "from": (now - timedelta(days=30)).isoformat(),
            "to": (now + timedelta(days=1)).isoformat(),
        },
    }


async def _adjust(w: World, target: str) -> dict:
    customer = await helpers.customer(w.store_id(target))
    return {
        "input": {
            "customerId": gid("Customer", customer),
            "points": 10,
            "reason": "goodwill",
            "idempotencyKey": w.unique("adjust"),
        }
    }


async def _transfer(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    sender, receiver = await helpers.customer(store_id), await helpers.customer(store_id)
    await helpers.give(sender, 100, store_id)
    return {
        "input": {
            "fromCustomerId": gid("Customer", sender),
            "toCustomerId": gid("Customer", receiver),
            "points": 10,
            "idempotencyKey": w.unique("transfer"),
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
OWNER_ONLY = Expectations(
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.pointProgram", PROGRAM, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Customer.pointsBalance", BALANCE, _customer, **READ),
    Row("Customer.pointsOwed", OWED, _customer, **READ),
    Row("Customer.pointsHistory", HISTORY, _customer, **READ),
    Row("Query.node", NODE_ENTRY, _entry, variant="PointEntry", **READ),
    Row(
        "Store.pointsDashboard",
        DASHBOARD,
        _period,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.updatePointProgram",
        UPDATE,
        lambda w, t: {"input": {"storeId": w.store(t), "earnRateBp": 300}},
        **OWNER_ONLY,
    ),
    Row("Mutation.adjustPoints", ADJUST, _adjust, **OWNER_ONLY),
    Row(
        "Mutation.transferPoints",
        TRANSFER,
        _transfer,
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
]
