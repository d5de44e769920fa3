"""Lookups by phone or name are limited per account and per key: masked PII stays masked."""

from __future__ import annotations

from typing import Any

import pytest
from tortoise import connections

from core.settings import Settings
from models.accounts import Account
from tests.client import Api, gid
from tests.conftest import base_settings, with_settings
from tests.customers import factories
from tests.customers.helpers import STORE1, owner

LIMIT = 5
BY_PHONE = "{ store(id: $id) { customerByPhone(phone: $p) { id phone } } }"
ALERTS = "query($id: ID!) { store(id: $id) { alerts { edges { node { kind payload } } } } }"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return with_settings(
        base_settings(database_url),
        lookup_misses_per_account=LIMIT,
        lookup_misses_per_api_key=LIMIT,
    )


def _aliased_by_phone(phones: list[str]) -> str:
    fields = "\n".join(
        f'a{n}: customerByPhone(phone: "{phone}") {{ id phone }}' for n, phone in enumerate(phones)
    )
    return f"query($id: ID!) {{ store(id: $id) {{ {fields} }} }}"


def _aliased_by_name(names: list[str]) -> str:
    fields = "\n".join(
        f'a{n}: customers(filter: {{search: "{name}"}}) {{ edges {{ node {{ id }} }} }}'
        for n, name in enumerate(names)
    )
    return f"query($id: ID!) {{ store(id: $id) {{ {fields} }} }}"


def _codes(body: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


async def _lookup_counters() -> list[dict[str, Any]]:
    return await connections.get("default").execute_query_dict(
        "SELECT bucket, count FROM rate_counter WHERE bucket LIKE 'lookup:%'"
    )


async def _by_phone(api: Api, token: str, phone: str) -> dict[str, Any]:
    return await api.gql(
        f"query($id: ID!, $p: String!) {BY_PHONE}", {"id": STORE1, "p": phone}, token=token
    )


async def test_stepping_a_masked_phone_through_its_digits_is_refused_past_the_limit(
    api: Api,
) -> None:
    # given a customer whose phone staff see as 010-****-0610
    row = await factories.customer(1, phone="010-4821-0610")
    staff = await api.token("staff1@dangol.test")
    guesses = [f"010-{n:04d}-0610" for n in range(20)]
    # when twenty guesses arrive as aliases of one request, then the right number
    stepped = await api.gql(_aliased_by_phone(guesses), {"id": STORE1}, token=staff)
    right = await _by_phone(api, staff, "010-4821-0610")
    # then the aliases are counted one by one: five misses answered, the rest refused
    answered = [stepped["data"]["store"][f"a{n}"] for n in range(20)] if stepped["data"] else []
    assert sum(1 for code in _codes(stepped) if code == "RATE_LIMITED") == 20 - LIMIT
    assert answered.count(None) == 20
    # and the right number is refused too, so a refusal tells nothing
    assert _codes(right) == ["RATE_LIMITED"]
    assert right["errors"][0]["extensions"]["retryAfter"] > 0
    # and the counter is a row of the database, shared by every process
    account = await Account.get(email="staff1@dangol.test")
    rows = await connections.get("default").execute_query_dict(
        "SELECT count FROM rate_counter WHERE bucket = $1"
        if connections.get("default").capabilities.dialect == "postgres"
        else "SELECT count FROM rate_counter WHERE bucket = ?",
        [f"lookup:account:{account.id}"],
    )
    # (at least the misses answered: aliases that interleave may each count one before any
    # of them is refused)
    assert rows and rows[0]["count"] >= LIMIT
    # and another account of the store still finds the customer
    manager = await api.token("manager1@dangol.test")
    found = await _by_phone(api, manager, "010-4821-0610")
    assert found["data"]["store"]["customerByPhone"]["id"] == gid("Customer", row.id)


async def test_the_point_of_sale_finding_its_customers_is_never_limited(api: Api) -> None:
    # given three regulars
    phones = ["010-1111-0001", "010-1111-0002", "010-1111-0003"]
    for phone in phones:
        await factories.customer(1, phone=phone)
    staff = await api.token("staff1@dangol.test")
    # when the counter looks each up many times, far more often than the limit
    answers = [await _by_phone(api, staff, phones[n % 3]) for n in range(4 * LIMIT)]
    # then every lookup answers without writing a counter (no write lock taken at the counter)
    assert all(a["data"]["store"]["customerByPhone"] is not None for a in answers)
    assert await _lookup_counters() == []
    # and the misses of new customers still have their room
    for n in range(LIMIT):
        miss = await _by_phone(api, staff, f"010-2222-{n:04d}")
        assert "errors" not in miss and miss["data"]["store"]["customerByPhone"] is None


async def test_stepping_a_masked_name_through_syllables_is_refused_past_the_limit(
    api: Api,
) -> None:
    # given a customer staff see as 김*수
    await factories.customer(1, name="김민수")
    staff = await api.token("staff1@dangol.test")
    guesses = [f"김{syllable}수" for syllable in "가나다라마바사아자차카타파하거너더러머버"]
    # when the guesses come one request each, then the right name
    answers = [
        await api.gql(_aliased_by_name([guess]), {"id": STORE1}, token=staff) for guess in guesses
    ]
    right = await api.gql(_aliased_by_name(["김민수"]), {"id": STORE1}, token=staff)
    export = (
        "mutation($i: ExportCustomersInput!) { exportCustomers(input: $i) {"
        " ... on ExportCustomersSuccess { rowCount } } }"
    )
    exported = [
        await api.gql(
            export, {"i": {"storeId": STORE1, "filter": {"search": guess}}}, token=await owner(api)
        )
        for guess in [*guesses[:LIMIT], "김민수"]
    ]
    # then
    assert [_codes(a) for a in answers] == [[]] * LIMIT + [["RATE_LIMITED"]] * (
        len(guesses) - LIMIT
    )
    assert _codes(right) == ["RATE_LIMITED"]
    # and an export searching by name is the same lookup, counted for the owner alone
    assert [_codes(e) for e in exported] == [[]] * LIMIT + [["RATE_LIMITED"]]


async def test_a_partner_key_is_limited_by_itself(api: Api) -> None:
    # given a key of the store that may read customers
    owner_token = await owner(api)
    created = await api.data(
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) {"
        " ... on CreateApiKeySuccess { secret } } }",
        {"i": {"storeId": STORE1, "name": "CRM", "actions": ["store.read", "customers.read"]}},
        token=owner_token,
    )
    key = created["createApiKey"]["secret"]
    # when the key misses past the limit
    answers = [await _by_phone(api, key, f"010-3333-{n:04d}") for n in range(LIMIT + 1)]
    # then it is refused, and the owner's own lookups are not
    assert [_codes(a) for a in answers] == [[]] * LIMIT + [["RATE_LIMITED"]]
    assert _codes(await _by_phone(api, owner_token, "010-3333-9999")) == []


async def test_the_owners_are_alerted_once_when_an_account_misses_past_the_limit(
    api: Api,
) -> None:
    # given
    staff = await api.token("staff1@dangol.test")
    account = await Account.get(email="staff1@dangol.test")
    # when staff misses up to the limit, and on
    for n in range(LIMIT + 3):
        await _by_phone(api, staff, f"010-4444-{n:04d}")
    # then the owner has one alert naming the account; the manager none
    owner_alerts = await api.data(ALERTS, {"id": STORE1}, token=await owner(api))
    manager_alerts = await api.data(
        ALERTS, {"id": STORE1}, token=await api.token("manager1@dangol.test")
    )
    nodes = [e["node"] for e in owner_alerts["store"]["alerts"]["edges"]]
    assert [n["kind"] for n in nodes] == ["LOOKUP_MISSES"]
    assert nodes[0]["payload"]["accountId"] == gid("Account", account.id)
    assert nodes[0]["payload"]["misses"] == LIMIT
    assert manager_alerts["store"]["alerts"]["edges"] == []
