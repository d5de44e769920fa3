"""Coupon templates change and stop: their terms, and no more coupons once deactivated."""

from __future__ import annotations

from models.audit import AuditEntry
from models.coupons import Coupon, CouponTemplate
from tests.authorization.table import changes, snapshot
from tests.checkout import loyalty as lo
from tests.client import Api, gid
from tests.orders import factories as f

UPDATE = """
mutation($input: UpdateCouponTemplateInput!) {
  updateCouponTemplate(input: $input) {
    __typename
    ... on CouponTemplateSuccess { template { id name value maxDiscount minimumSpend isActive } }
    ... on UserError { code field }
  }
}
"""
DEACTIVATE = """
mutation($input: DeactivateCouponTemplateInput!) {
  deactivateCouponTemplate(input: $input) {
    __typename ... on CouponTemplateSuccess { template { id isActive } }
    ... on UserError { code field }
  }
}
"""
ISSUE = """
mutation($input: IssueCouponsInput!) {
  issueCoupons(input: $input) {
    __typename ... on IssueCouponsSuccess { issuedCount } ... on UserError { code field }
  }
}
"""
TEMPLATES = """
query($id: ID!, $all: Boolean!) { store(id: $id) {
  couponTemplates(includeInactive: $all) { totalCount edges { node { id isActive } } } } }
"""


async def test_a_manager_changes_a_templates_terms(api: Api) -> None:
    # given
    template = await lo.template(value=1000)
    token = await api.token("manager1@dangol.test")
    template_id = gid("CouponTemplate", template.id)
    # when
    changed = (
        await api.data(
            UPDATE,
            {"input": {"templateId": template_id, "name": " 2천원 ", "value": 2000}},
            token=token,
        )
    )["updateCouponTemplate"]
    refused = (
        await api.data(UPDATE, {"input": {"templateId": template_id, "value": 0}}, token=token)
    )["updateCouponTemplate"]
    # then
    assert changed == {
        "__typename": "CouponTemplateSuccess",
        "template": {
            "id": template_id,
            "name": "2천원",
            "value": 2000,
            "maxDiscount": None,
            "minimumSpend": 0,
            "isActive": True,
        },
    }
    assert refused == {"__typename": "InvalidInput", "code": "INVALID_INPUT", "field": "value"}
    assert (await CouponTemplate.get(id=template.id)).value == 2000
    entry = await AuditEntry.get(action="coupons.templates.update")
    assert entry.before["value"] == 1000 and entry.after["value"] == 2000


async def test_a_deactivated_template_issues_no_more_coupons(api: Api) -> None:
    # given a template whose coupon a customer already holds
    template = await lo.template()
    customer = await f.customer()
    held = await lo.coupon(customer)
    held_template = await CouponTemplate.get(id=held.template_id)
    token = await api.token("manager1@dangol.test")
    # when
    result = (
        await api.data(
            DEACTIVATE,
            {"input": {"templateId": gid("CouponTemplate", held_template.id)}},
            token=token,
        )
    )["deactivateCouponTemplate"]
    before = await snapshot()
    issue = (
        await api.data(
            ISSUE,
            {
                "input": {
                    "templateId": gid("CouponTemplate", held_template.id),
                    "idempotencyKey": "issue-1",
                    "customerIds": [gid("Customer", customer)],
                }
            },
            token=token,
        )
    )["issueCoupons"]
    active = await api.data(TEMPLATES, {"id": gid("Store", 1), "all": False}, token=token)
    # then: no new coupon; the one held is still there; the active list leaves it out
    assert result["template"]["isActive"] is False
    assert issue["__typename"] != "IssueCouponsSuccess"
    assert not changes(before, await snapshot())
    assert await Coupon.filter(customer_id=customer).count() == 1
    assert active["store"]["couponTemplates"] == {
        "totalCount": 1,
        "edges": [{"node": {"id": gid("CouponTemplate", template.id), "isActive": True}}],
    }


async def test_staff_cannot_change_a_template(api: Api) -> None:
    # given
    template = await lo.template(value=1000)
    token = await api.token("staff1@dangol.test")
    before = await snapshot()
    # when
    body = await api.gql(
        UPDATE,
        {"input": {"templateId": gid("CouponTemplate", template.id), "value": 5000}},
        token=token,
    )
    # then
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert not changes(before, await snapshot())
