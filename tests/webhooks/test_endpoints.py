"""Endpoints: registered with a secret shown once and sealed at rest, safe URLs only."""

from __future__ import annotations

import pytest

from core.context import Context
from core.errors import InvalidInput
from core.services import Services
from core.settings import Settings
from models.accounts import Account
from models.webhooks import EventType, WebhookEndpoint
from policies.enforcement import Principal
from resolvers import webhooks
from resolvers.webhooks.secrets import SecretUnreadable, open_sealed
from tests.client import Api, gid
from tests.conftest import with_settings
from tests.webhooks.helpers import CREATE_ENDPOINT, ENDPOINTS, UPDATE_ENDPOINT, create_endpoint


async def _create(api: Api, token: str, url: str, events: list[str]) -> dict:
    body = await api.data(
        CREATE_ENDPOINT,
        {"input": {"storeId": gid("Store", 1), "url": url, "events": events}},
        token=token,
    )
    return dict(body["createWebhookEndpoint"])


async def test_the_secret_is_shown_once_and_sealed_at_rest(api: Api, settings: Settings) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    # when
    created = await create_endpoint(
        api, owner, "https://partner.example/hooks", ["ORDER_CREATED", "POINTS_CHANGED"]
    )
    listed = await api.data(ENDPOINTS, {"id": gid("Store", 1)}, token=owner)
    # then the answer holds the secret, the list only its hint
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["endpoint"]["events"] == ["ORDER_CREATED", "POINTS_CHANGED"]
    endpoint = listed["store"]["webhookEndpoints"][0]
    assert "secret" not in endpoint and endpoint["secretHint"] == f"whsec_...{secret[-4:]}"
    # and the database holds it sealed, opening only for its own store and endpoint
    row = await WebhookEndpoint.get()
    assert secret not in row.secret_sealed
    opened = open_sealed(
        settings, row.secret_sealed, version=row.secret_key_version, store_id=1, endpoint_id=row.id
    )
    assert opened == secret
    with pytest.raises(SecretUnreadable):
        open_sealed(
            settings,
            row.secret_sealed,
            version=row.secret_key_version,
            store_id=2,
            endpoint_id=row.id,
        )


async def test_unsafe_urls_and_empty_event_lists_are_refused(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    cases = [
        ("ftp://partner.example/hooks", ["ORDER_CREATED"], "url"),
        ("https://user:pw@partner.example/hooks", ["ORDER_CREATED"], "url"),
        ("not a url", ["ORDER_CREATED"], "url"),
        ("https://partner.example/" + "x" * 2000, ["ORDER_CREATED"], "url"),
        ("https://partner.example/hooks", [], "events"),
    ]
    # when
    answers = [await _create(api, owner, url, events) for url, events, _ in cases]
    # then
    assert [(a["__typename"], a["field"]) for a in answers] == [
        ("InvalidInput", field) for _, _, field in cases
    ]
    assert await WebhookEndpoint.all().count() == 0


async def test_private_addresses_are_refused_unless_allowed(api: Api, settings: Settings) -> None:
    # given the default settings (this module's fixture allows private addresses; these do not)
    strict = with_settings(settings, webhook_allow_private_addresses=False)
    owner_id = (await Account.get(email="owner1@dangol.test")).id
    ctx = Context.for_principal(Services.create(strict), Principal(account_id=owner_id))
    refused = []
    # when
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://192.168.0.10/hook",
    ):
        with pytest.raises(InvalidInput) as caught:
            await webhooks.create_endpoint(
                ctx, store_id=1, url=url, events=[EventType.ORDER_CREATED]
            )
        refused.append(caught.value.field)
    # then every one is refused, naming the url
    assert set(refused) == {"url"}
    assert await WebhookEndpoint.all().count() == 0
    # and with the setting on (this module's fixture), a local receiver is accepted
    owner = await api.token("owner1@dangol.test")
    allowed = await _create(api, owner, "http://127.0.0.1:8080/hook", ["ORDER_CREATED"])
    assert allowed["__typename"] == "WebhookEndpointSuccess"


async def test_updates_rotate_the_secret_and_switch_the_endpoint_back_on(api: Api) -> None:
    # given a switched-off endpoint
    owner = await api.token("owner1@dangol.test")
    created = await create_endpoint(api, owner, "https://partner.example/hooks")
    await WebhookEndpoint.all().update(is_active=False, consecutive_failures=7)
    # when the owner changes its events, rotates its secret and switches it on
    body = await api.data(
        UPDATE_ENDPOINT,
        {
            "input": {
                "endpointId": created["endpoint"]["id"],
                "events": ["TIER_CHANGED"],
                "rotateSecret": True,
                "active": True,
            }
        },
        token=owner,
    )
    updated = body["updateWebhookEndpoint"]
    # then
    assert updated["__typename"] == "WebhookEndpointSuccess", updated
    assert updated["secret"] and updated["secret"] != created["secret"]
    assert updated["endpoint"]["events"] == ["TIER_CHANGED"]
    assert updated["endpoint"]["active"] is True
    assert updated["endpoint"]["consecutiveFailures"] == 0
    # and an update without rotation shows no secret
    again = await api.data(
        UPDATE_ENDPOINT,
        {"input": {"endpointId": created["endpoint"]["id"], "description": "POS sync"}},
        token=owner,
    )
    assert again["updateWebhookEndpoint"]["secret"] is None


async def test_a_store_has_at_most_ten_endpoints(api: Api) -> None:
    # given ten endpoints
    owner = await api.token("owner1@dangol.test")
    for number in range(10):
        await create_endpoint(api, owner, f"https://partner.example/hooks/{number}")
    # when an eleventh is asked for
    answer = await _create(api, owner, "https://partner.example/hooks/10", ["ORDER_CREATED"])
    # then
    assert answer["__typename"] == "InvalidInput"
    assert await WebhookEndpoint.all().count() == 10
