"""Stores: read by everyone of the store, updated by its owner, created by admins."""

from __future__ import annotations

from models.stores import Store
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)

STORE = "query($id: ID!) { store(id: $id) { id name } }"
PLAN_FEATURES = (
    "query($id: ID!) { store(id: $id) { id planFeatures { feature requiredPlan included } } }"
)
NODE_STORE = "query($id: ID!) { node(id: $id) { id ... on Store { name } } }"
UPDATE_STORE = """
mutation($input: UpdateStoreInput!) { updateStore(input: $input) { __typename } }
"""
CHANGE_PLAN = """
mutation($input: ChangeStorePlanInput!) { changeStorePlan(input: $input) { __typename } }
"""
CHANGE_GRADE = """
mutation($input: ChangeStoreCampaignGradeInput!) {
  changeStoreCampaignGrade(input: $input) { __typename }
}
"""
CREATE_STORE = """
mutation($input: CreateStoreInput!) { createStore(input: $input) { __typename } }
"""


async def _another_plan(w: World, target: str) -> dict:
    """A plan the store does not have, so that a denied change would show."""
    store = await Store.get(id=w.store_id(target))
    plan = next(p for p in ("BASIC", "PLUS", "PREMIUM") if p != store.plan.value)
    return {"input": {"storeId": w.store(target), "plan": plan}}


async def _another_grade(w: World, target: str) -> dict:
    store = await Store.get(id=w.store_id(target))
    grade = "PLATINUM" if store.campaign_grade.value != "PLATINUM" else "GOLD"
    return {"input": {"storeId": w.store(target), "grade": grade}}


ADMIN_ONLY = Expectations(
    admin=(OK, OK),
    owner=(FORBIDDEN, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, FORBIDDEN),
)


def _create_store(w: World, target: str) -> dict:
    name = w.unique("table store")
    return {
        "input": {
            "name": name,
            "category": "CAFE",
            "commercialArea": "성수동",
            "ownerEmail": f"{name.replace(' ', '-')}@dangol.test",
            "ownerName": "New Owner",
        }
    }


ROWS = [
    Row(
        "Query.store",
        STORE,
        lambda w, t: {"id": w.store(t)},
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
        "Store.planFeatures",
        PLAN_FEATURES,
        lambda w, t: {"id": w.store(t)},
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(OK, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Query.node",
        NODE_STORE,
        lambda w, t: {"id": w.store(t)},
        variant="Store",
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(OK, ABSENT),
        staff=(OK, ABSENT),
        partner=(OK, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    Row(
        "Mutation.updateStore",
        UPDATE_STORE,
        lambda w, t: {"input": {"storeId": w.store(t), "phone": "02-555-0199"}},
        admin=(OK, OK),
        owner=(OK, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, OK),
    ),
    # Platform-wide: no store to be absent from.
    Row(
        "Mutation.createStore",
        CREATE_STORE,
        _create_store,
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
    # Plans and grades are the platform's to set (store.update is the owner's, so it cannot be).
    Row("Mutation.changeStorePlan", CHANGE_PLAN, _another_plan, **ADMIN_ONLY),
    Row("Mutation.changeStoreCampaignGrade", CHANGE_GRADE, _another_grade, **ADMIN_ONLY),
]


STORES = "query { stores(first: 5) { totalCount edges { node { id name } } } }"

# Platform-wide: the list of every store is the platform's.
ROWS += [
    Row(
        "Query.stores",
        STORES,
        lambda w, t: {},
        admin=OK,
        owner=FORBIDDEN,
        manager=FORBIDDEN,
        staff=FORBIDDEN,
        partner=FORBIDDEN,
        anonymous=UNAUTHENTICATED,
        other_owner=FORBIDDEN,
    ),
]
