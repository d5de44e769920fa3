from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from graphql import GraphQLInterfaceType, GraphQLObjectType

from models.accounts import Account
from models.audit import AuditEntry
from models.coupons import Coupon, CouponKind, CouponTemplate, CouponTrigger, FirstVisitOffer
from models.customers import StoreAlert
from models.points import PointEntry, PointKind, PointSource
from models.tiers import Tier, TierChange, TierChangeReason, TierPromotion
from schema.graph import build_schema
from schema.nodes import KINDS
from tests.client import Api, gid
from tests.customers import factories

NODE = "query ($id: ID!) { node(id: $id) { __typename id } }"
STORE = "query ($id: ID!) { store(id: $id) { name } }"
CREATE_KEY = """
mutation ($input: CreateApiKeyInput!) { createApiKey(input: $input) {
  ... on CreateApiKeySuccess { secret apiKey { id } } } }
"""


async def _key(api: Api, actions: list[str]) -> dict[str, Any]:
    owner = await api.token("owner1@dangol.test")
    body = await api.data(
        CREATE_KEY,
        {"input": {"storeId": gid("Store", 1), "name": "POS", "actions": actions}},
        token=owner,
    )
    return dict(body["createApiKey"])


async def _node(api: Api, type_name: str, pk: int, email: str) -> Any:
    token = await api.token(email)
    return (await api.data(NODE, {"id": gid(type_name, pk)}, token=token))["node"]


async def test_a_key_that_may_not_see_the_store_reads_nothing_of_it_through_node(
    api: Api,
) -> None:
    # given a customer of store 1, and keys of store 1 with and without store.read
    customer = await factories.customer(1)
    hidden = (await _key(api, ["customers.read"]))["secret"]
    shown = (await _key(api, ["store.read", "customers.read"]))["secret"]
    customer_id = {"id": gid("Customer", customer.id)}
    # when
    through_store = await api.data(STORE, {"id": gid("Store", 1)}, token=hidden)
    through_node = await api.data(NODE, customer_id, token=hidden)
    allowed = await api.data(NODE, customer_id, token=shown)
    # then: the store is absent to the first key, and so is everything in it
    assert through_store["store"] is None
    assert through_node["node"] is None
    assert allowed["node"] == {"__typename": "Customer", "id": gid("Customer", customer.id)}


def test_node_knows_every_type_that_implements_node() -> None:
    # given
    schema = build_schema()._schema
    node = schema.type_map["Node"]
    assert isinstance(node, GraphQLInterfaceType)
    # when
    implementing = {
        name
        for name, found in schema.type_map.items()
        if isinstance(found, GraphQLObjectType) and node in found.interfaces
    }
    # then
    assert implementing == set(KINDS)
    assert {"Coupon", "FirstVisitOffer", "TierPromotion", "TierChange"} <= implementing


async def test_node_finds_an_account_for_itself_and_for_who_may_read_its_store_staff(
    api: Api,
) -> None:
    # given
    owner = await Account.get(email="owner1@dangol.test")
    # when
    seen = {
        email: await _node(api, "Account", owner.id, email)
        for email in (
            "owner1@dangol.test",
            "manager1@dangol.test",
            "admin@dangol.test",
            "staff1@dangol.test",
            "owner2@dangol.test",
        )
    }
    # then
    account = {"__typename": "Account", "id": gid("Account", owner.id)}
    assert seen == {
        "owner1@dangol.test": account,
        "manager1@dangol.test": account,
        "admin@dangol.test": account,
        "staff1@dangol.test": None,
        "owner2@dangol.test": None,
    }


async def test_node_finds_an_alert_only_for_its_recipient_with_global_ids_in_its_payload(
    api: Api,
) -> None:
    # given an alert to the owner, as the domain writes it (snake_case, plain ids),
    # and one written before payloads were snake_case
    owner = await Account.get(email="owner1@dangol.test")
    alert = await StoreAlert.create(
        store_id=1,
        recipient_id=owner.id,
        kind="STOCK_WARNING",
        payload={"stock_item_id": 3, "base_quantity": 10, "name": "우유"},
    )
    older = await StoreAlert.create(
        store_id=1,
        recipient_id=owner.id,
        kind="NEGATIVE_FEEDBACK",
        payload={"feedbackId": 7, "rating": 1},
    )
    query = "query ($id: ID!) { node(id: $id) { ... on StoreAlert { kind payload } } }"
    owner_token = await api.token("owner1@dangol.test")
    # when
    found = await api.data(query, {"id": gid("StoreAlert", alert.id)}, token=owner_token)
    found_older = await api.data(query, {"id": gid("StoreAlert", older.id)}, token=owner_token)
    manager = await _node(api, "StoreAlert", alert.id, "manager1@dangol.test")
    # then
    assert found["node"] == {
        "kind": "STOCK_WARNING",
        "payload": {"stockItemId": gid("StockItem", 3), "baseQuantity": 10, "name": "우유"},
    }
    assert found_older["node"]["payload"] == {"feedbackId": gid("Feedback", 7), "rating": 1}
    assert manager is None


async def test_node_finds_coupons_offers_promotions_tier_changes_and_campaigns(
    api: Api,
) -> None:
    # given objects of store 1
    customer = await factories.customer(1)
    template = await CouponTemplate.create(
        store_id=1, name="10%", kind=CouponKind.PERCENT, value=10
    )
    now = datetime.now(UTC)
    coupon = await Coupon.create(
        store_id=1,
        template=template,
        customer_id=customer.id,
        issued_reason=CouponTrigger.MANUAL,
        expires_at=now + timedelta(days=30),
    )
    offer = await FirstVisitOffer.create(store_id=1, kind="PERCENT", value=10)
    promotion = await TierPromotion.create(
        store_id=1, name="두 배", min_rank=1, starts_at=now, ends_at=now + timedelta(days=7)
    )
    tier = await Tier.create(store_id=1, name="실버", rank=1, min_visits=5)
    change = await TierChange.create(
        store_id=1,
        customer_id=customer.id,
        to_tier_id=tier.id,
        reason=TierChangeReason.MANUAL,
    )
    wanted = {
        "Coupon": coupon.id,
        "FirstVisitOffer": offer.id,
        "TierPromotion": promotion.id,
        "TierChange": change.id,
        "CupHolderCampaign": 1,
    }
    # when
    by_owner = {
        name: await _node(api, name, pk, "owner1@dangol.test") for name, pk in wanted.items()
    }
    by_other = {
        name: await _node(api, name, pk, "owner2@dangol.test") for name, pk in wanted.items()
    }
    # then: the owner of store 1 finds each; the owner of store 2 none but the platform's campaign
    assert by_owner == {
        name: {"__typename": name, "id": gid(name, pk)} for name, pk in wanted.items()
    }
    assert by_other == dict.fromkeys(wanted) | {
        "CupHolderCampaign": {"__typename": "CupHolderCampaign", "id": gid("CupHolderCampaign", 1)}
    }


async def test_tier_changes_audit_entries_and_point_entries_show_global_ids(api: Api) -> None:
    # given a tier change, an audited key creation, an entry by that key and a review's points
    customer = await factories.customer(1)
    tier = await Tier.create(store_id=1, name="실버", rank=1, min_visits=5)
    change = await TierChange.create(
        store_id=1, customer_id=customer.id, to_tier_id=tier.id, reason=TierChangeReason.MANUAL
    )
    key = await _key(api, ["store.read"])
    key_pk = int((await AuditEntry.get(action="api_keys.create")).target_id)
    await AuditEntry.create(
        store_id=1,
        actor_api_key_id=key_pk,
        action="customers.update",
        target_type="customer",
        target_id=str(customer.id),
    )
    await PointEntry.create(
        store_id=1,
        customer_id=customer.id,
        kind=PointKind.EARN,
        source=PointSource.REVIEW,
        amount=50,
        balance_after=50,
        reference_type="feedback",
        reference_id="7",
    )
    owner = await api.token("owner1@dangol.test")
    # when
    body = await api.data(
        """query ($customer: ID!, $store: ID!) {
          node(id: $customer) { ... on Customer {
            tierHistory { edges { node { id } } }
            pointsHistory { edges { node { referenceType referenceId } } } } }
          store(id: $store) { auditLog(first: 2) { edges { node {
            action targetType targetId actorApiKeyId } } } }
        }""",
        {"customer": gid("Customer", customer.id), "store": gid("Store", 1)},
        token=owner,
    )
    # then
    history = body["node"]["tierHistory"]["edges"]
    assert history[0]["node"]["id"] == gid("TierChange", change.id)
    assert body["node"]["pointsHistory"]["edges"][0]["node"] == {
        "referenceType": "feedback",
        "referenceId": gid("Feedback", 7),
    }
    audit = [edge["node"] for edge in body["store"]["auditLog"]["edges"]]
    assert audit == [
        {
            "action": "customers.update",
            "targetType": "customer",
            "targetId": gid("Customer", customer.id),
            "actorApiKeyId": gid("ApiKey", key_pk),
        },
        {
            "action": "api_keys.create",
            "targetType": "api_key",
            "targetId": key["apiKey"]["id"],
            "actorApiKeyId": None,
        },
    ]
