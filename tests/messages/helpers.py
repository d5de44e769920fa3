"""Documents, objects and the delivery machinery for message tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from core.messaging import HttpMessageProvider, MessageProvider
from core.senders import Senders
from core.settings import Settings
from models.messages import MessageDelivery
from models.stores import Plan, Store
from resolvers.messages.delivery import register_channels
from resolvers.outbox import DeliveryPolicy, deliver_due
from tests.client import Api, gid
from tests.customers import factories
from tests.messages.fake_provider import KEY

STORE1 = gid("Store", 1)
_keys = itertools.count(1)

CREATE_TEMPLATE = """
mutation($input: CreateMessageTemplateInput!) { createMessageTemplate(input: $input) {
  __typename
  ... on CreateMessageTemplateSuccess { template { id name body variables } }
  ... on UnknownTemplateVariable { variables known }
  ... on UserError { code message field }
} }
"""
CAMPAIGN_FIELDS = """
id name status channel sendAt recipientCount holdoutCount holdoutPercent attributionDays
dispatchedAt cancelledAt audience { segment tierId tag insightKey }
summary { scheduled queued sent delivered failed cancelled heldOut }
"""
CREATE_CAMPAIGN = f"""
mutation($input: CreateMessageCampaignInput!) {{ createMessageCampaign(input: $input) {{
  __typename
  ... on MessageCampaignSuccess {{ campaign {{ {CAMPAIGN_FIELDS} }} }}
  ... on MessageQuotaExceeded {{ remaining requested monthlyLimit }}
  ... on TemplateVariableUnavailable {{ variables }}
  ... on UserError {{ code message field }}
}} }}
"""
CANCEL_CAMPAIGN = f"""
mutation($input: CancelMessageCampaignInput!) {{ cancelMessageCampaign(input: $input) {{
  __typename
  ... on MessageCampaignSuccess {{ campaign {{ {CAMPAIGN_FIELDS} }} }}
  ... on CampaignNotCancellable {{ status }}
  ... on UserError {{ code message field }}
}} }}
"""
CAMPAIGN = f"""
query($id: ID!) {{ node(id: $id) {{ ... on MessageCampaign {{ {CAMPAIGN_FIELDS}
  deliveries(first: 100) {{ totalCount edges {{ node {{
    status attempts failureReason sentAt deliveredAt customer {{ id }} }} }} }}
}} }} }}
"""
QUOTA = """query($id: ID!) { store(id: $id) {
  messageQuota { month plan monthlyLimit used remaining resetsAt } } }"""
UPDATE_AUTOMATION = """
mutation($input: UpdateAutomationInput!) { updateAutomation(input: $input) {
  __typename
  ... on UpdateAutomationSuccess { automation { kind enabled channel insightKey template { id } } }
  ... on TemplateVariableUnavailable { variables }
  ... on UserError { code message field }
} }
"""


async def owner(api: Api, number: int = 1) -> str:
    return await api.token(f"owner{number}@dangol.test")


async def set_plan(store_id: int, plan: Plan) -> None:
    await Store.filter(id=store_id).update(plan=plan)


async def template(
    api: Api, token: str, body: str = "#{name}님, #{storeName}에서 기다립니다!", store: str = STORE1
) -> str:
    result = (
        await api.data(
            CREATE_TEMPLATE,
            {"input": {"storeId": store, "name": "컴백", "body": body}},
            token=token,
        )
    )["createMessageTemplate"]
    assert result["__typename"] == "CreateMessageTemplateSuccess", result
    return str(result["template"]["id"])


def campaign_input(template_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "input": {
            "storeId": STORE1,
            "templateId": template_id,
            "audience": {},
            "channel": "ALIMTALK",
            "idempotencyKey": f"campaign-{next(_keys)}",
            **extra,
        }
    }


async def create_campaign(api: Api, token: str, variables: dict[str, Any]) -> dict[str, Any]:
    return dict((await api.data(CREATE_CAMPAIGN, variables, token=token))["createMessageCampaign"])


async def customers(
    count: int, *, store_id: int = 1, consent: bool = True, **extra: Any
) -> list[int]:
    made = [
        await factories.customer(store_id, name=f"고객{n}", marketing_consent=consent, **extra)
        for n in range(count)
    ]
    return [row.id for row in made]


def provider_at(base_url: str, *, timeout_seconds: float = 5.0) -> HttpMessageProvider:
    return HttpMessageProvider(base_url, KEY, timeout_seconds=timeout_seconds)


def senders_for(provider: MessageProvider, settings: Settings) -> Senders:
    senders = Senders()
    register_channels(senders, provider, settings)
    return senders


POLICY = DeliveryPolicy(batch_size=500, backoff_seconds=30, max_attempts=4, concurrency=4)


async def deliver(senders: Senders, now: datetime | None = None) -> int:
    return await deliver_due(senders, POLICY, now or datetime.now(UTC) + timedelta(seconds=1))


async def statuses(campaign_pk: int) -> list[str]:
    rows = (
        await MessageDelivery.filter(campaign_id=campaign_pk)
        .order_by("id")
        .values_list("status", flat=True)
    )
    return [str(getattr(s, "value", s)) for s in rows]
