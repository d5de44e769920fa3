from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.customers import CustomerSettings
from tests.client import Api, gid
from tests.customers import factories
from tests.customers.helpers import CUSTOMERS, STORE1, owner

NOW = datetime.now(UTC)
SETTINGS = """
mutation($input: UpdateCustomerSettingsInput!) { updateCustomerSettings(input: $input) {
  __typename ... on CustomerSettingsSuccess { settings { dormantDays newCustomerDays } }
  ... on UserError { code field }
} }
"""


def days_ago(n: float) -> datetime:
    return NOW - timedelta(days=n)


async def _segment(api: Api, token: str, segment: str) -> set[str]:
    data = await api.data(
        CUSTOMERS, {"id": STORE1, "filter": {"segment": segment}, "first": 100}, token=token
    )
    return {e["node"]["id"] for e in data["store"]["customers"]["edges"]}


async def test_segments_are_computed_from_visits_and_agree_with_the_node(api: Api) -> None:
    # given
    newcomer = await factories.customer(
        1, visit_count=1, total_paid=8000, first_visit_at=days_ago(2), last_visit_at=days_ago(2)
    )
    regular = await factories.customer(
        1, visit_count=12, total_paid=90000, first_visit_at=days_ago(200), last_visit_at=days_ago(3)
    )
    dormant = await factories.customer(
        1, visit_count=3, total_paid=20000, first_visit_at=days_ago(100), last_visit_at=days_ago(45)
    )
    frequent = await factories.customer(
        1, visit_count=6, total_paid=40000, first_visit_at=days_ago(20), last_visit_at=days_ago(1)
    )
    rewarded = await factories.customer(
        1, visit_count=2, first_visit_at=days_ago(90), last_visit_at=days_ago(10), reward_uses=5
    )
    token = await owner(api)
    ids = {
        name: gid("Customer", row.id)
        for name, row in dict(
            newcomer=newcomer,
            regular=regular,
            dormant=dormant,
            frequent=frequent,
            rewarded=rewarded,
        ).items()
    }
    # when
    found = {
        s: await _segment(api, token, s)
        for s in (
            "NEW",
            "REGULAR",
            "DORMANT",
            "REWARD_SENSITIVE",
            "HIGH_FREQUENCY",
            "LOW_FREQUENCY",
        )
    }
    # then
    assert found["NEW"] == {ids["newcomer"], ids["frequent"]}
    assert found["REGULAR"] == {ids["regular"]}
    assert found["DORMANT"] == {ids["dormant"]}
    assert found["REWARD_SENSITIVE"] == {ids["rewarded"]}
    assert found["HIGH_FREQUENCY"] == {ids["frequent"]}
    assert found["LOW_FREQUENCY"] == {
        ids["newcomer"],
        ids["regular"],
        ids["dormant"],
        ids["rewarded"],
    }
    data = await api.data(CUSTOMERS, {"id": STORE1, "first": 100}, token=token)
    for edge in data["store"]["customers"]["edges"]:
        in_sql = {s for s, members in found.items() if edge["node"]["id"] in members}
        assert set(edge["node"]["segments"]) == in_sql


async def test_the_dormant_threshold_is_the_stores_setting(api: Api) -> None:
    # given
    row = await factories.customer(
        1, visit_count=2, first_visit_at=days_ago(40), last_visit_at=days_ago(20)
    )
    token = await owner(api)
    before = await _segment(api, token, "DORMANT")
    # when
    result = await api.data(
        SETTINGS, {"input": {"storeId": STORE1, "dormantDays": 14}}, token=token
    )
    # then
    assert result["updateCustomerSettings"]["settings"]["dormantDays"] == 14
    assert before == set()
    assert await _segment(api, token, "DORMANT") == {gid("Customer", row.id)}


async def test_settings_are_for_owners_and_bad_values_are_typed(api: Api) -> None:
    # given
    manager = await api.token("manager1@dangol.test")
    # when
    denied = await api.gql(
        SETTINGS, {"input": {"storeId": STORE1, "dormantDays": 5}}, token=manager
    )
    bad = await api.data(
        SETTINGS, {"input": {"storeId": STORE1, "dormantDays": 0}}, token=await owner(api)
    )
    # then
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert bad["updateCustomerSettings"] == {
        "__typename": "InvalidInput",
        "code": "INVALID_INPUT",
        "field": "dormantDays",
    }
    assert not await CustomerSettings.exists()


async def test_segment_counts_are_for_owners_and_managers(api: Api) -> None:
    # given
    await factories.customer(
        1, visit_count=1, first_visit_at=days_ago(1), last_visit_at=days_ago(1)
    )
    await factories.customer(
        1, visit_count=3, first_visit_at=days_ago(90), last_visit_at=days_ago(60)
    )
    query = "query($id: ID!) { store(id: $id) { customerSegments { segment count } } }"
    # when
    counts = await api.data(query, {"id": STORE1}, token=await api.token("manager1@dangol.test"))
    staff = await api.gql(query, {"id": STORE1}, token=await api.token("staff1@dangol.test"))
    # then
    found = {c["segment"]: c["count"] for c in counts["store"]["customerSegments"]}
    assert found == {
        "NEW": 1,
        "REGULAR": 0,
        "DORMANT": 1,
        "REWARD_SENSITIVE": 0,
        "HIGH_FREQUENCY": 0,
        "LOW_FREQUENCY": 2,
    }
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"
