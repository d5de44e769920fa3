from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace

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
