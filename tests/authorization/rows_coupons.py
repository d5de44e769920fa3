"""Coupons (E3): everyone of the store reads templates;
owners and managers create and issue them."""

from __future__ import annotations

from tests.authorization.rows_tiers import READ
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
from tests.orders import factories

TEMPLATES = "query($id: ID!) { store(id: $id) { id couponTemplates { edges { node { id } } } } }"
NODE_TEMPLATE = "query($id: ID!) { node(id: $id) { id ... on CouponTemplate { kind } } }"
CREATE = (
    "mutation($input: CreateCouponTemplateInput!) { createCouponTemplate(input: $input) "
    "{ __typename } }"
)
ISSUE = "mutation($input: IssueCouponsInput!) { issueCoupons(input: $input) { __typename } }"

MANAGE = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)


async def _template(w: World, target: str) -> dict:
    return {"id": gid("CouponTemplate", (await loyalty.template(w.store_id(target))).id)}


async def _issue(w: World, target: str) -> dict:
    made = await loyalty.template(w.store_id(target))
    customer = await factories.customer(w.store_id(target))
    return {
        "input": {
            "templateId": gid("CouponTemplate", made.id),
            "idempotencyKey": w.unique("issue"),
            "customerIds": [gid("Customer", customer)],
        }
    }


ROWS = [
    Row("Store.couponTemplates", TEMPLATES, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Query.node", NODE_TEMPLATE, _template, variant="CouponTemplate", **READ),
    Row(
        "Mutation.createCouponTemplate",
        CREATE,
        lambda w, t: {
            "input": {"storeId": w.store(t), "name": "1000", "kind": "FIXED", "value": 1000}
        },
        **MANAGE,
    ),
    Row("Mutation.issueCoupons", ISSUE, _issue, **MANAGE),
]


CUSTOMER_COUPONS = (
    "query($id: ID!) { node(id: $id) { id ... on Customer { coupons { edges { node { id } } } } } }"
)


async def _customer(w: World, target: str) -> dict:
    return {"id": gid("Customer", await factories.customer(w.store_id(target)))}


ROWS += [Row("Customer.coupons", CUSTOMER_COUPONS, _customer, **READ)]


UPDATE = (
    "mutation($input: UpdateCouponTemplateInput!) { updateCouponTemplate(input: $input) "
    "{ __typename } }"
)
DEACTIVATE = (
    "mutation($input: DeactivateCouponTemplateInput!) { deactivateCouponTemplate(input: $input) "
    "{ __typename } }"
)


async def _update(w: World, target: str) -> dict:
    made = await loyalty.template(w.store_id(target))
    return {"input": {"templateId": gid("CouponTemplate", made.id), "value": 2000}}


async def _deactivate(w: World, target: str) -> dict:
    made = await loyalty.template(w.store_id(target))
    return {"input": {"templateId": gid("CouponTemplate", made.id)}}


ROWS += [
    Row("Mutation.updateCouponTemplate", UPDATE, _update, **MANAGE),
    Row("Mutation.deactivateCouponTemplate", DEACTIVATE, _deactivate, **MANAGE),
]
