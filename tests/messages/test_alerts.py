"""A campaign's progress reaches the store's owners and managers as each of them chose (A7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from core.context import Context
from core.messaging import LoggingProvider
from core.settings import Settings
from models.accounts import Account
from models.customers import StoreAlert
from models.messages import MessageCampaign
from policies.enforcement import Principal
from resolvers.messages import campaigns
from resolvers.messages.delivery import poll_reports
from tests.client import Api
from tests.messages.helpers import (
    campaign_input,
    create_campaign,
    customers,
    deliver,
    owner,
    senders_for,
    template,
)
from tests.orders.factories import pk

SETTINGS = """mutation ($settings: [NotificationSettingInput!]!) {
  updateNotificationSettings(input: {settings: $settings}) { __typename } }"""


async def _alerted(kind: str) -> dict[str, list[str]]:
    rows = await StoreAlert.filter(kind=kind).order_by("id").values("recipient_id", "payload")
    emails = dict(await Account.all().values_list("id", "email"))
    found: dict[str, list[str]] = {}
    for row in rows:
        found.setdefault(emails[row["recipient_id"]], []).append(row["payload"]["event"])
    return found


async def test_campaign_results_reach_the_managers_who_kept_them_on(
    api: Api, app: Any, settings: Settings
) -> None:
    # given the owner switched campaign results off; the manager did not
    off = {"settings": [{"kind": "CAMPAIGN_RESULT", "enabled": False}]}
    assert (await api.data(SETTINGS, off, token=await owner(api)))["updateNotificationSettings"][
        "__typename"
    ] == "UpdateNotificationSettingsSuccess"
    await customers(2)
    token = await owner(api)
    made = await create_campaign(api, token, campaign_input(await template(api, token)))
    provider = LoggingProvider()
    # when the campaign is sent, reported on and finished
    await deliver(senders_for(provider, settings))
    later = datetime.now(UTC) + timedelta(minutes=5)
    await poll_reports(provider, later)
    ctx = Context.for_principal(app.state.services, Principal())
    finished = await campaigns.finish_sent(ctx, later)
    # then
    assert finished == 1
    campaign = await MessageCampaign.get(id=pk(made["campaign"]["id"]))
    assert campaign.status.value == "SENT"
    assert await _alerted("CAMPAIGN_RESULT") == {"manager1@dangol.test": ["dispatched", "sent"]}
    latest: list[Any] = (
        await StoreAlert.filter(kind="CAMPAIGN_RESULT")
        .order_by("-id")
        .limit(1)
        .values_list("payload", flat=True)
    )
    sent = latest[0]
    assert (sent["delivered"], sent["failed"]) == (2, 0)
