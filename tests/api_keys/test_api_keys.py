from __future__ import annotations

from dataclasses import replace

from tortoise import connections

from tests.client import Api, error_code, gid

CREATE = """
mutation ($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename
    ... on CreateApiKeySuccess { secret apiKey { id prefix actions } }
    ... on UserError { code field message }
  }
}
"""
REVOKE = """
mutation ($id: ID!) { revokeApiKey(input: {apiKeyId: $id}) { __typename
  ... on UserError { code } } }
"""
STORE = "query ($id: ID!) { store(id: $id) { name } }"
STAFF = "query ($id: ID!) { store(id: $id) { staff { edges { node { id } } } } }"


async def _create(
    api: Api, actions: list[str], store: int = 1, email: str = "owner1@dangol.test"
) -> dict:
    owner = await api.token(email)
    body = await api.data(
        CREATE,
        {"input": {"storeId": gid("Store", store), "name": "POS", "actions": actions}},
        token=owner,
    )
    return body["createApiKey"]


async def test_a_key_is_shown_once_stored_hashed_and_recognisable(api: Api) -> None:
    # when
    created = await _create(api, ["store.read", "orders.create"])
    # then
    secret = created["secret"]
    assert secret.startswith(f"dgl_{created['apiKey']['prefix']}_")
    rows = await connections.get("default").execute_query_dict("SELECT * FROM api_key")
    assert len(rows) == 1 and secret not in str(rows)
    owner = await api.token("owner1@dangol.test")
    listed = await api.data(
        "query ($id: ID!) { store(id: $id) { apiKeys { edges { node { prefix actions } } } } }",
        {"id": gid("Store", 1)},
        token=owner,
    )
    assert [edge["node"] for edge in listed["store"]["apiKeys"]["edges"]] == [
        {"prefix": created["apiKey"]["prefix"], "actions": ["orders.create", "store.read"]}
    ]
    assert "secret" not in str(listed)


async def test_a_key_acts_as_partner_in_its_store_only_and_within_its_actions(api: Api) -> None:
    # given a key that may read the store but not its staff
    secret = (await _create(api, ["store.read"]))["secret"]
    # when / then
    assert (await api.data(STORE, {"id": gid("Store", 1)}, token=secret))["store"][
        "name"
    ] == "카페 단골 성수점"
    assert (await api.data(STORE, {"id": gid("Store", 2)}, token=secret))["store"] is None
    assert error_code(await api.gql(STAFF, {"id": gid("Store", 1)}, token=secret)) == "FORBIDDEN"
    assert error_code(await api.gql("{ me { account { email } } }", token=secret)) == "FORBIDDEN"


async def test_a_key_cannot_hold_actions_beyond_the_partner_role(api: Api) -> None:
    result = await _create(api, ["store.read", "settlements.read"])
    unknown = await _create(api, ["store.read", "no.such.action"])
    empty = await _create(api, [])
    assert (result["code"], result["field"]) == ("INVALID_INPUT", "actions")
    assert "settlements.read" in result["message"]
    assert unknown["code"] == "INVALID_INPUT" and empty["code"] == "INVALID_INPUT"
    rows = await connections.get("default").execute_query_dict("SELECT count(*) AS n FROM api_key")
    assert rows[0]["n"] == 0


async def test_a_revoked_key_stops_working(api: Api) -> None:
    created = await _create(api, ["store.read"])
    owner = await api.token("owner1@dangol.test")
    result = await api.data(REVOKE, {"id": created["apiKey"]["id"]}, token=owner)
    assert result["revokeApiKey"]["__typename"] == "RevokeApiKeySuccess"
    assert (
        error_code(await api.gql(STORE, {"id": gid("Store", 1)}, token=created["secret"]))
        == "UNAUTHENTICATED"
    )


async def test_a_forged_key_is_unauthenticated(api: Api) -> None:
    created = await _create(api, ["store.read"])
    forged = created["secret"][:-4] + "AAAA"
    assert (
        error_code(await api.gql(STORE, {"id": gid("Store", 1)}, token=forged)) == "UNAUTHENTICATED"
    )
    assert (
        error_code(await api.gql(STORE, {"id": gid("Store", 1)}, token="dgl_nope"))
        == "UNAUTHENTICATED"
    )


async def test_keys_are_rate_limited(api: Api, app) -> None:
    # given a key and a limit of 3 requests a minute
    secret = (await _create(api, ["store.read"]))["secret"]
    services = app.state.services
    services.settings = replace(services.settings, api_key_requests_per_minute=3)
    # when
    answers = [await api.gql(STORE, {"id": gid("Store", 1)}, token=secret) for _ in range(5)]
    # then
    codes = [error_code(answer) for answer in answers]
    assert codes.count("RATE_LIMITED") >= 2
    limited = next(a for a in answers if error_code(a) == "RATE_LIMITED")
    assert limited["errors"][0]["extensions"]["retryAfter"] > 0


async def test_another_owner_cannot_create_or_revoke_keys_of_my_store(api: Api) -> None:
    created = await _create(api, ["store.read"])
    result = await _create(api, ["store.read"], store=1, email="owner2@dangol.test")
    other = await api.token("owner2@dangol.test")
    revoke = await api.data(REVOKE, {"id": created["apiKey"]["id"]}, token=other)
    assert result["code"] == "NOT_FOUND" and revoke["revokeApiKey"]["code"] == "NOT_FOUND"
    assert (await api.data(STORE, {"id": gid("Store", 1)}, token=created["secret"]))["store"]


async def test_a_request_counts_once_however_many_fields_it_asks(api: Api, app) -> None:
    # given a key allowed 3 requests a minute
    secret = (await _create(api, ["store.read"]))["secret"]
    services = app.state.services
    services.settings = replace(services.settings, api_key_requests_per_minute=3)
    wide = (
        "query ($id: ID!) { a: store(id: $id) { name } b: store(id: $id) "
        "{ name } c: store(id: $id) { name } }"
    )
    # when three requests each ask three fields at once
    answers = [await api.gql(wide, {"id": gid("Store", 1)}, token=secret) for _ in range(3)]
    # then all three are answered: authentication (and its rate count) happened once per request
    assert [error_code(answer) for answer in answers] == [None, None, None]
    assert error_code(await api.gql(wide, {"id": gid("Store", 1)}, token=secret)) == "RATE_LIMITED"
