from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from core.settings import Settings, SettingsError, load_settings
from tests.client import Api, error_code


@pytest.fixture
async def production_api(settings: Settings) -> AsyncIterator[Api]:
    application = create_app(replace(settings, env="production"))
    async with (
        application.router.lifespan_context(application),
        AsyncClient(
            transport=ASGITransport(app=application), base_url="http://dangol.test"
        ) as client,
    ):
        yield Api(client)


async def test_production_has_no_introspection(production_api: Api) -> None:
    body = await production_api.gql("{ __schema { types { name } } }")
    assert error_code(body) == "BAD_USER_INPUT"
    assert body.get("data") is None


async def test_production_has_no_graphiql(production_api: Api, api: Api) -> None:
    html = {"accept": "text/html"}
    assert (await production_api.client.get("/graphql", headers=html)).status_code == 404
    assert "graphiql" in (await api.client.get("/graphql", headers=html)).text.lower()


async def test_production_suggests_no_field_names(production_api: Api, api: Api) -> None:
    query = "{ me { acount { email } } }"
    assert "Did you mean" not in str(await production_api.gql(query))
    assert "Did you mean" in str(await api.gql(query))


def test_production_refuses_to_start_without_its_secrets() -> None:
    with pytest.raises(SettingsError, match="DANGOL_JWT_SECRET"):
        load_settings(
            {
                "DANGOL_ENV": "production",
                "DANGOL_PII_KEY": "p" * 40,
                "DANGOL_BLIND_INDEX_KEY": "b" * 40,
            }
        )


def test_short_secrets_are_refused() -> None:
    with pytest.raises(SettingsError, match="at least 32"):
        load_settings(
            {
                "DANGOL_ENV": "production",
                "DANGOL_JWT_SECRET": "short",
                "DANGOL_PII_KEY": "p" * 40,
                "DANGOL_BLIND_INDEX_KEY": "b" * 40,
            }
        )


def test_development_generates_missing_secrets_once(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr("core.settings.DATA_DIR", tmp_path)
    first = load_settings({})
    second = load_settings({})
    assert len(first.jwt_secret) >= 32 and first.jwt_secret == second.jwt_secret
    assert first.pii_key != first.jwt_secret
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0


SUGGESTING = {
    "argument": ('{ store(iid: "x") { id } }', "Did you mean 'id'?"),
    "input field": (
        'mutation { updateStore(input: {storeId: "x", nmae: "y"}) { __typename } }',
        "Did you mean 'name'?",
    ),
    "type": ("query($r: StoreRol) { __typename }", "Did you mean 'StoreRole'"),
    "enum value": (
        'mutation { inviteStaff(input: {storeId: "x", email: "a@b.c", name: "n", role: STAF}) '
        "{ __typename } }",
        "Did you mean the enum value 'STAFF'?",
    ),
}


def _messages(body: dict[str, Any]) -> str:
    return " ".join(error["message"] for error in body["errors"])


@pytest.mark.parametrize("kind", sorted(SUGGESTING))
async def test_production_suggests_no_argument_input_enum_or_type_names(
    production_api: Api, api: Api, kind: str
) -> None:
    # given a document with a near miss
    document, hint = SUGGESTING[kind]
    # when
    in_production = await production_api.gql(document)
    in_development = await api.gql(document)
    # then the hint is given in development only, and production still says what is wrong
    assert hint in _messages(in_development), in_development
    assert "Did you mean" not in _messages(in_production), in_production
    assert error_code(in_production) == "BAD_USER_INPUT"


async def test_production_suggests_no_enum_value_in_variables(production_api: Api) -> None:
    body = await production_api.gql(
        "mutation($i: InviteStaffInput!) { inviteStaff(input: $i) { __typename } }",
        {"i": {"storeId": "x", "email": "a@b.c", "name": "n", "role": "STAF"}},
    )
    assert "Did you mean" not in str(body) and "STAF" in body["errors"][0]["message"]


def _random() -> str:
    return secrets.token_urlsafe(48)


@pytest.mark.parametrize(
    "jwt, pii, blind",
    [
        ("j" * 40, _random(), _random()),
        (_random(), "abc" * 12, _random()),
        (_random(), _random(), "dangol-production-secret-key-2026"),
    ],
    ids=["repeated-jwt-secret", "repeated-pii-key", "guessable-blind-index-key"],
)
def test_production_refuses_low_entropy_secrets(jwt: str, pii: str, blind: str) -> None:
    environment = {
        "DANGOL_ENV": "production",
        "DANGOL_JWT_SECRET": jwt,
        "DANGOL_PII_KEY": pii,
        "DANGOL_BLIND_INDEX_KEY": blind,
    }
    with pytest.raises(SettingsError, match="entropy"):
        load_settings(environment)
    # the same secrets still do for development
    assert load_settings({**environment, "DANGOL_ENV": "development"}).jwt_secret == jwt


def test_production_refuses_one_secret_used_twice() -> None:
    shared = _random()
    with pytest.raises(SettingsError, match="must all differ"):
        load_settings(
            {
                "DANGOL_ENV": "production",
                "DANGOL_JWT_SECRET": shared,
                "DANGOL_PII_KEY": _random(),
                "DANGOL_BLIND_INDEX_KEY": shared,
            }
        )
    with pytest.raises(SettingsError, match="must all differ"):
        pii = _random()
        load_settings(
            {
                "DANGOL_ENV": "production",
                "DANGOL_JWT_SECRET": _random(),
                "DANGOL_PII_KEY": pii,
                "DANGOL_BLIND_INDEX_KEY": _random(),
                "DANGOL_PII_KEY_VERSION": "2",
                "DANGOL_PII_PREVIOUS_KEYS": f"1:{pii}",
            }
        )


def test_production_starts_with_random_distinct_secrets() -> None:
    settings = load_settings(
        {
            "DANGOL_ENV": "production",
            "DANGOL_JWT_SECRET": _random(),
            "DANGOL_PII_KEY": secrets.token_hex(16),
            "DANGOL_BLIND_INDEX_KEY": _random(),
        }
    )
    assert settings.production
