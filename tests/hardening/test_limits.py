from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from core.settings import Settings
from schema import hardening
from tests.client import Api, error_code, gid

ME = "{ me { account { email } } }"


@pytest.fixture
async def strict_api(settings: Settings) -> AsyncIterator[Api]:
    strict = replace(
        settings, max_query_depth=4, max_aliases=3, max_tokens=200, max_body_bytes=10_000
    )
    application = create_app(strict)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(
            transport=ASGITransport(app=application), base_url="http://dangol.test"
        ) as client,
    ):
        yield Api(client)


async def test_deep_queries_are_refused(strict_api: Api) -> None:
    deep = "{ me { memberships { store { staff { edges { node { id } } } } } } }"
    body = await strict_api.gql(deep)
    assert error_code(body) == "BAD_USER_INPUT"
    assert "exceeds maximum operation depth" in body["errors"][0]["message"]


async def test_wide_queries_with_many_aliases_are_refused(strict_api: Api) -> None:
    wide = "{ " + " ".join(f"a{n}: __typename" for n in range(4)) + " }"
    body = await strict_api.gql(wide)
    assert error_code(body) == "BAD_USER_INPUT"
    assert "aliases" in body["errors"][0]["message"]


async def test_documents_with_too_many_tokens_are_refused(strict_api: Api) -> None:
    long_document = "{ " + "__typename " * 300 + "}"
    body = await strict_api.gql(long_document)
    assert error_code(body) == "BAD_USER_INPUT"


async def test_oversized_bodies_are_refused_before_parsing(strict_api: Api) -> None:
    response = await strict_api.client.post(
        "/graphql", json={"query": "{ __typename }", "pad": "x" * 20_000}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert "content-length" in response.request.headers

    async def undeclared_length() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 1_000

    chunked = await strict_api.client.post(
        "/graphql", content=undeclared_length(), headers={"content-type": "application/json"}
    )
    assert chunked.status_code == 413


async def test_malformed_json_is_a_clear_400(api: Api) -> None:
    response = await api.client.post(
        "/graphql", content=b'{"query": "{ me', headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_wrong_variable_types_and_unknown_fields_are_bad_user_input(api: Api) -> None:
    token = await api.token("owner1@dangol.test")
    wrong_type = await api.gql(
        "query ($id: ID!) { store(id: $id) { name } }", {"id": {"not": "an id"}}, token=token
    )
    unknown = await api.gql("{ me { password } }", token=token)
    assert error_code(wrong_type) == "BAD_USER_INPUT"
    assert error_code(unknown) == "BAD_USER_INPUT"


async def test_graphql_response_media_type_answers_400_for_invalid_documents(api: Api) -> None:
    headers = {"accept": "application/graphql-response+json"}
    invalid = await api.post("{ me { password } }", headers=headers)
    valid = await api.post("{ __typename }", headers=headers)
    assert invalid.status_code == 400
    assert invalid.headers["content-type"].startswith("application/graphql-response+json")
    assert "data" not in invalid.json()
    assert valid.status_code == 200 and valid.json() == {"data": {"__typename": "Query"}}


async def test_get_serves_queries_but_not_mutations(api: Api) -> None:
    query = await api.client.get("/graphql", params={"query": "{ __typename }"})
    mutation = await api.client.get(
        "/graphql",
        params={"query": 'mutation { logout(input: {refreshToken: "x"}) { __typename } }'},
    )
    assert query.json() == {"data": {"__typename": "Query"}}
    assert mutation.status_code in (400, 405)


def _token(settings: Settings, **overrides: object) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": "2",
        "sid": "00000000-0000-0000-0000-000000000000",
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + timedelta(minutes=5),
    }
    claims.update(overrides)
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


async def test_expired_forged_and_unsigned_tokens_are_unauthenticated(
    api: Api, settings: Settings
) -> None:
    # given a real session's token, and variants of it
    real = await api.token("owner1@dangol.test")
    claims = jwt.decode(real, options={"verify_signature": False})
    expired = _token(settings, sid=claims["sid"], exp=datetime.now(UTC) - timedelta(seconds=1))
    forged = jwt.encode({**claims}, "another-secret-of-at-least-32-bytes!!", algorithm="HS256")
    header = {"alg": "none", "typ": "JWT"}
    unsigned = (
        ".".join(
            jwt.utils.base64url_encode(json.dumps(part).encode()).decode()
            for part in (header, claims)
        )
        + "."
    )
    audience = _token(settings, sid=claims["sid"], aud="someone-else")
    someone_else = _token(settings, sid=claims["sid"], sub="1")
    # then
    assert error_code(await api.gql(ME, token=real)) is None
    for token in (expired, forged, unsigned, audience, someone_else, "garbage"):
        assert error_code(await api.gql(ME, token=token)) == "UNAUTHENTICATED", token


async def test_a_malformed_authorization_header_is_unauthenticated(api: Api) -> None:
    response = await api.client.post(
        "/graphql", json={"query": ME}, headers={"authorization": "Basic abc"}
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_unexpected_errors_are_masked(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    # given a resolver failing with something a client must not see
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("SELECT secret FROM account -- password=hunter2")

    monkeypatch.setattr("resolvers.stores.update_store", broken)
    token = await api.token("owner1@dangol.test")
    # when
    body = await api.gql(
        "mutation ($i: UpdateStoreInput!) { updateStore(input: $i) { __typename } }",
        {"i": {"storeId": gid("Store", 1), "name": "x"}},
        token=token,
    )
    # then
    assert body["errors"][0]["message"] == "Unexpected error."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert "hunter2" not in json.dumps(body) and "Traceback" not in json.dumps(body)


async def test_health_and_readiness(api: Api) -> None:
    assert (await api.client.get("/healthz")).json() == {"status": "ok"}
    ready = await api.client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["database"] is True


async def test_a_document_sent_again_is_parsed_and_validated_once_and_still_limited(
    strict_api: Api,
) -> None:
    """The caches key on the document and on rule classes made once; a limit still holds when
    the refused document comes back from the cache."""
    deep = "{ me { memberships { store { staff { edges { node { name } } } } } } }"
    for _ in range(2):
        body = await strict_api.gql(deep)
        assert "exceeds maximum operation depth" in body["errors"][0]["message"]
    parsed, validated = hardening._parsed.cache_info(), hardening._validated.cache_info()
    await strict_api.gql(deep)
    assert hardening._parsed.cache_info().hits == parsed.hits + 1
    assert hardening._validated.cache_info().hits == validated.hits + 1
    assert hardening._validated.cache_info().misses == validated.misses
