"""Ordinary bad input is a 400 or a BAD_USER_INPUT with a clear message, never a server error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.client import Api, error_code, gid
from tests.orders import factories

STORE1 = gid("Store", 1)
LONE_SURROGATE = "\ud800"


def _raw_json(document: str, variables: dict[str, Any]) -> bytes:
    """A JSON body as a client may send it: ``\\ud800`` escaped, which JSON allows."""
    return json.dumps({"query": document, "variables": variables}).encode()


async def _post_raw(api: Api, body: bytes, token: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    return await api.client.post("/graphql", content=body, headers=headers)


def _is_bad_user_input(response: Any) -> bool:
    if response.status_code == 400:
        return True
    body = response.json()
    return response.status_code == 200 and error_code(body) == "BAD_USER_INPUT"


SURROGATE_CASES: dict[str, tuple[str, dict[str, Any], str | None]] = {
    "login email": (
        "mutation($i: LoginInput!) { login(input: $i) { __typename } }",
        {"i": {"email": f"a{LONE_SURROGATE}@dangol.test", "password": "x"}},
        None,
    ),
    "customer search": (
        "query($id: ID!, $s: String) { store(id: $id) "
        "{ customers(filter: {search: $s}) { edges { node { id } } } } }",
        {"id": STORE1, "s": f"김{LONE_SURROGATE}"},
        "owner1@dangol.test",
    ),
    "store name": (
        "mutation($i: UpdateStoreInput!) { updateStore(input: $i) { __typename } }",
        {"i": {"storeId": STORE1, "name": f"카페{LONE_SURROGATE}"}},
        "owner1@dangol.test",
    ),
    "customer name": (
        "mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { __typename } }",
        {
            "i": {
                "storeId": STORE1,
                "name": f"김{LONE_SURROGATE}",
                "phone": "010-5555-1234",
                "idempotencyKey": "surrogate-1",
            }
        },
        "owner1@dangol.test",
    ),
    "idempotency key": (
        "mutation($i: RegisterCustomerInput!) { registerCustomer(input: $i) { __typename } }",
        {
            "i": {
                "storeId": STORE1,
                "name": "김단골",
                "phone": "010-5555-1235",
                "idempotencyKey": f"key{LONE_SURROGATE}",
            }
        },
        "owner1@dangol.test",
    ),
    "the document itself": (
        f'{{ __typename @skip(if: false) }} # {LONE_SURROGATE}"',
        {},
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(SURROGATE_CASES))
async def test_a_lone_surrogate_in_any_string_is_bad_user_input(api: Api, case: str) -> None:
    # given
    document, variables, who = SURROGATE_CASES[case]
    token = await api.token(who) if who else None
    # when
    response = await _post_raw(api, _raw_json(document, variables), token)
    # then
    assert _is_bad_user_input(response), (case, response.status_code, response.text)
    assert "surrogate" in response.text or "U+D800" in response.text, case


async def test_a_pickup_time_out_of_range_is_bad_user_input(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    product = await factories.product(1)
    variables = factories.order_input(
        1, [(product.id, 1)], channel="PICKUP", pickupAt="9999-12-31T23:59:59-23:59"
    )
    # when
    response = await api.post(factories.CREATE_ORDER, variables, token=token)
    # then
    assert _is_bad_user_input(response), response.text
    assert "pickup" in response.text.lower()


@pytest.mark.parametrize("body", ["42", "null", '"x"', "true", "[]", "[42]"])
async def test_a_json_body_that_is_not_an_object_is_a_400(api: Api, body: str) -> None:
    response = await _post_raw(api, body.encode())
    assert response.status_code == 400, (body, response.text)
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_invalid_utf8_is_a_400(api: Api) -> None:
    response = await _post_raw(api, b'{"query": "{ __typename }", "x": "\xff\xfe"}')
    assert response.status_code == 400, response.text
    assert "UTF-8" in response.json()["errors"][0]["message"]


async def test_deeply_nested_variables_are_a_400(api: Api) -> None:
    # given a variable nested 5,000 levels deep
    body = (
        b'{"query": "query($s: String) { __typename }", "variables": {"s": '
        + b"[" * 5000
        + b"]" * 5000
        + b"}}"
    )
    # when
    response = await _post_raw(api, body)
    # then
    assert response.status_code == 400, response.text[:300]
    assert "nested" in response.json()["errors"][0]["message"]


async def test_a_cursor_holding_a_huge_number_is_bad_user_input_in_every_connection(
    api: Api,
) -> None:
    """Every connection field of Store and Customer, found in the schema, not listed by hand."""
    # given
    cursor = base64.urlsafe_b64encode(b"[1e309, 1e309]").decode()
    token = await api.token("owner1@dangol.test")
    customer = await factories.customer(1)
    introspected = await api.data(
        """{ __schema { types { name fields { name type { name kind ofType { name } }
             args { name defaultValue type { kind } } } } } }"""
    )
    types = {t["name"]: t for t in introspected["__schema"]["types"]}
    checked = []
    for owner, variables, opener in (
        ("Store", {"id": STORE1}, "store(id: $id)"),
        ("Customer", {"id": gid("Customer", customer)}, "node(id: $id) { ... on Customer"),
    ):
        for field in types[owner]["fields"]:
            type_name = field["type"]["name"] or (field["type"]["ofType"] or {}).get("name") or ""
            args = {arg["name"] for arg in field["args"]}
            required = [
                a
                for a in field["args"]
                if a["type"]["kind"] == "NON_NULL" and a["defaultValue"] is None
            ]
            if not type_name.endswith("Connection") or "after" not in args or required:
                continue
            closing = "} }" if owner == "Customer" else "}"
            document = (
                f"query($id: ID!, $after: String) {{ {opener} {{ "
                f"{field['name']}(after: $after) {{ edges {{ cursor }} }} {closing} }}"
            )
            # when
            body = await api.gql(document, {**variables, "after": cursor}, token=token)
            # then
            assert error_code(body) == "BAD_USER_INPUT", (owner, field["name"], body)
            assert body["errors"][0]["extensions"].get("field") == "after", (owner, field["name"])
            checked.append(f"{owner}.{field['name']}")
    assert len(checked) > 20, checked
