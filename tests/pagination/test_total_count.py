from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from graphql import GraphQLNonNull, GraphQLObjectType

from models.accounts import Account
from models.api_keys import ApiKey
from models.audit import AuditEntry
from models.catalogue import Product
from models.coupons import Coupon, CouponKind, CouponTemplate, CouponTrigger
from models.customers import StoreAlert
from models.orders import Order
from models.rewards import Redemption, RedemptionStatus, Reward
from models.tiers import Tier, TierChange, TierChangeReason, TierPromotion
from schema.graph import build_schema
from tests.client import Api, gid
from tests.customers import factories

STORE_COUNTS = """
query ($id: ID!) { store(id: $id) {
  orders(first: 1) { totalCount }
  products(first: 1) { totalCount }
  rewards(first: 1) { totalCount }
  redemptions(first: 1) { totalCount }
  alerts(first: 1) { totalCount }
  auditLog(first: 1) { totalCount }
  apiKeys(first: 1) { totalCount edges { node { id } } }
  couponTemplates(first: 1) { totalCount edges { node { id } } }
  tierPromotions(first: 1) { totalCount edges { node { id } } }
} }
"""
CUSTOMER_COUNTS = """
query ($id: ID!) { node(id: $id) { ... on Customer {
  coupons(first: 1) { totalCount }
  tierHistory(first: 1) { totalCount }
} } }
"""


def test_every_connection_answers_a_total_count() -> None:
    # given
    schema = build_schema()._schema
    # when
    connections = {
        name: found.fields["totalCount"].type
        for name, found in schema.type_map.items()
        if isinstance(found, GraphQLObjectType) and name.endswith("Connection")
    }
    # then: never null, so no connection can leave it out
    assert len(connections) > 20
    assert {name for name, kind in connections.items() if not isinstance(kind, GraphQLNonNull)} == (
        set()
    )


async def _given_two_of_everything(customer_id: int, owner_id: int) -> None:
    now = datetime.now(UTC)
    template = await CouponTemplate.create(store_id=1, name="a", kind=CouponKind.FIXED, value=500)
    await CouponTemplate.create(store_id=1, name="b", kind=CouponKind.FIXED, value=900)
    tier = await Tier.create(store_id=1, name="실버", rank=1, min_visits=5)
    for n in range(2):
        await Coupon.create(
            store_id=1,
            template=template,
            customer_id=customer_id,
            issued_reason=CouponTrigger.MANUAL,
            expires_at=now + timedelta(days=30),
        )
        await TierChange.create(
            store_id=1, customer_id=customer_id, to_tier_id=tier.id, reason=TierChangeReason.MANUAL
        )
        await TierPromotion.create(
            store_id=1, name=f"p{n}", min_rank=1, starts_at=now, ends_at=now + timedelta(days=1)
        )
        await StoreAlert.create(store_id=1, recipient_id=owner_id, kind="KPI_ALERT", payload={})
        reward = await Reward.create(store_id=1, name=f"r{n}", cost_points=100)
        await Redemption.create(
            store_id=1,
            reward=reward,
            customer_id=customer_id,
            points_spent=100,
            status=RedemptionStatus.APPROVED,
        )
        await ApiKey.create(
            store_id=1, name=f"k{n}", prefix=f"pfx{n}", secret_hash=f"h{n}", actions=["store.read"]
        )


async def test_total_count_is_counted_on_every_list_when_asked(api: Api) -> None:
    # given two rows of each kind in store 1 (and whatever the demo data holds)
    customer = await factories.customer(1)
    owner = await Account.get(email="owner1@dangol.test")
    await _given_two_of_everything(customer.id, owner.id)
    token = await api.token("owner1@dangol.test")
    # when
    store = (await api.data(STORE_COUNTS, {"id": gid("Store", 1)}, token=token))["store"]
    of_customer = (
        await api.data(CUSTOMER_COUNTS, {"id": gid("Customer", customer.id)}, token=token)
    )["node"]
    # then: each list counts every row it holds, beyond the one page asked for
    expected: dict[str, Any] = {
        "orders": await Order.filter(store_id=1).count(),
        "products": await Product.filter(store_id=1, is_archived=False).count(),
        "rewards": await Reward.filter(store_id=1, is_active=True).count(),
        "redemptions": await Redemption.filter(store_id=1).count(),
        "alerts": 2,
        "auditLog": await AuditEntry.filter(store_id=1).count(),
        "apiKeys": 2,
        "couponTemplates": 2,
        "tierPromotions": 2,
    }
    assert {name: store[name]["totalCount"] for name in expected} == expected
    for paged in ("apiKeys", "couponTemplates", "tierPromotions"):
        assert len(store[paged]["edges"]) == 1
    assert of_customer == {"coupons": {"totalCount": 2}, "tierHistory": {"totalCount": 2}}


async def test_the_count_is_one_count_statement_made_only_when_asked(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    query = "query ($id: ID!) { store(id: $id) { orders(first: 1) { %s } } }"
    variables = {"id": gid("Store", 1)}
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")

    async def statements(selection: str) -> list[str]:
        caplog.clear()
        await api.data(query % selection, variables, token=token)
        return [  # the SQL of each statement, without the values bound to it
            str(r.args[0]) if isinstance(r.args, tuple) and r.args else r.getMessage()
            for r in caplog.records
            if r.name == "tortoise.db_client"
        ]

    await statements("edges { node { id } }")  # the first request also loads the policy
    # when
    without = await statements("edges { node { id } }")
    counted = await statements("totalCount edges { node { id } }")
    # then: the count adds exactly one COUNT of the orders, and reads nothing else more
    assert not [s for s in without if "COUNT(" in s.upper()]
    counts = [s for s in counted if "COUNT(" in s.upper()]
    assert len(counts) == 1 and 'FROM "order"' in counts[0]
    assert set(counted) - set(counts) == set(without)
