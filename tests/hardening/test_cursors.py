"""Every connection checks its ``after`` cursor the same way: a cursor it did not give out
is a BAD_USER_INPUT naming ``after``, never a server error."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import example, given, strategies as st

from schema.pagination import decode_cursor, encode_cursor
from tests.client import Api, error_code, gid
from tests.customers import factories

STORE1 = gid("Store", 1)


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


NOT_GIVEN_OUT = {
    "a number too large for a float": _b64("[1e309]"),
    "two of them": _b64("[1e309, 1e309]"),
    "infinity": _b64("[Infinity, 1]"),
    "not a number": _b64("[NaN]"),
    "a float": _b64("[1.5]"),
    "a boolean": _b64("[true]"),
    "a number past 64 bits": _b64("[9223372036854775808]"),
    "a string": _b64('["x"]'),
    "a null": _b64("[null, null]"),
    "too many values": _b64("[1, 2, 3]"),
    "no values": _b64("[]"),
    "an object": _b64('{"id": 1}'),
    "a date without its offset": _b64('["2026-01-01T00:00:00", 1]'),
    "a date past the calendar": _b64('["9999-12-31T23:59:59-23:59", 1]'),
    "not a date": _b64('["yesterday", 1]'),
    "not base64": "garbage!",
    "bad padding": "abc",
    "not JSON": _b64("[1,"),
    "deeply nested": _b64("[" * 300),
    "not ASCII": "커서",
    "too long": _b64("[" + "1, " * 400 + "1]"),
}

# (where, field with its arguments, who asks); the cursor goes into $after.
CONNECTIONS = {
    "store staff": ("store", "staff(first: 2, after: $after)", "owner1@dangol.test"),
    "store audit log": ("store", "auditLog(first: 2, after: $after)", "owner1@dangol.test"),
    "platform audit log": ("query", "auditLog(first: 2, after: $after)", "admin@dangol.test"),
    "products": ("store", "products(first: 2, after: $after)", "owner1@dangol.test"),
    "store orders": ("store", "orders(first: 2, after: $after)", "owner1@dangol.test"),
    "rewards": ("store", "rewards(first: 2, after: $after)", "owner1@dangol.test"),
    "redemptions": ("store", "redemptions(first: 2, after: $after)", "owner1@dangol.test"),
    "feedback": ("store", "feedback(first: 2, after: $after)", "owner1@dangol.test"),
    "alerts": ("store", "alerts(first: 2, after: $after)", "owner1@dangol.test"),
    **{
        f"customers by {sort}": (
            "store",
            f"customers(first: 2, sort: {sort}, after: $after)",
            "owner1@dangol.test",
        )
        for sort in (
            "CREATED_DESC",
            "VISITS_DESC",
            "TOTAL_PAID_DESC",
            "LAST_VISIT_DESC",
            "POINTS_DESC",
        )
    },
    "customer orders": ("customer", "orders(first: 2, after: $after)", "owner1@dangol.test"),
    "points history": ("customer", "pointsHistory(first: 2, after: $after)", "owner1@dangol.test"),
    "tier history": ("customer", "tierHistory(first: 2, after: $after)", "owner1@dangol.test"),
    "coupons": ("customer", "coupons(first: 2, after: $after)", "owner1@dangol.test"),
}


def _document(where: str, field: str) -> str:
    selection = f"{field} {{ edges {{ cursor }} pageInfo {{ endCursor }} }}"
    if where == "query":
        return f"query($after: String) {{ {selection} }}"
    if where == "store":
        return f"query($id: ID!, $after: String) {{ store(id: $id) {{ {selection} }} }}"
    return (
        "query($id: ID!, $after: String) "
        f"{{ node(id: $id) {{ ... on Customer {{ {selection} }} }} }}"
    )


async def _owner_of(where: str) -> dict[str, str]:
    if where == "query":
        return {}
    if where == "store":
        return {"id": STORE1}
    row = await factories.customer(1)
    return {"id": gid("Customer", row.id)}


@pytest.mark.parametrize("connection", sorted(CONNECTIONS))
async def test_a_cursor_not_given_out_is_bad_user_input_naming_after(
    api: Api, connection: str
) -> None:
    # given
    where, field, email = CONNECTIONS[connection]
    token = await api.token(email)
    variables = await _owner_of(where)
    document = _document(where, field)
    first_page = await api.data(document, {**variables, "after": None}, token=token)
    assert first_page, connection
    for name, cursor in NOT_GIVEN_OUT.items():
        # when
        body = await api.gql(document, {**variables, "after": cursor}, token=token)
        # then
        assert error_code(body) == "BAD_USER_INPUT", (connection, name, body)
        assert body["errors"][0]["extensions"]["field"] == "after", (connection, name)
        assert body["errors"][0]["message"] == "The cursor is not one this API gave out."


@given(
    st.lists(
        st.one_of(
            st.integers(min_value=-(2**63), max_value=2**63 - 1),
            st.text(max_size=8),
            st.datetimes(timezones=st.just(UTC)),
            st.none(),
        ),
        min_size=1,
        max_size=3,
    )
)
@example(["?", ">"])  # "/" and "+" in standard base64: "_" and "-" in a cursor
def test_a_cursor_is_the_json_of_its_values_and_decodes_to_them(values: list[Any]) -> None:
    # given the JSON of the values, datetimes as ISO 8601
    plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
    cursor = encode_cursor(values)
    # then the cursor is that JSON in URL-safe base64, and it decodes to the values
    assert cursor == base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()
    shape = tuple(type(value) | None for value in values)
    assert decode_cursor(cursor, shape) == tuple(values)
