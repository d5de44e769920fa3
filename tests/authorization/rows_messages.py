"""Messages (G3–G6): owners and managers read and send; only owners switch automations;
staff and partner keys (the partner role holds no message action) do neither."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from models.messages import (
    CampaignStatus,
    DeliveryStatus,
    MessageCampaign,
    MessageChannel,
    MessageDelivery,
    MessageTemplate,
)
from models.stores import Plan, Store
from tests.authorization.rows_coupons import MANAGE
from tests.authorization.rows_tiers import OWNER
from tests.authorization.table import ABSENT, Expectations, Row, World
from tests.client import gid
from tests.customers import factories

TEMPLATES = "query($id: ID!) { store(id: $id) { id messageTemplates { edges { node { id } } } } }"
CAMPAIGNS = "query($id: ID!) { store(id: $id) { id messageCampaigns { edges { node { id } } } } }"
AUDIENCE = """query($id: ID!) { store(id: $id) { id
  messageAudience(audience: {segment: DORMANT}) { matching } } }"""
QUOTA = "query($id: ID!) { store(id: $id) { id messageQuota { remaining } } }"
STORE_DELIVERIES = """query($id: ID!) { store(id: $id) { id
  messageDeliveries(automation: ORDER_READY) { edges { node { status } } } } }"""
AUTOMATIONS = "query($id: ID!) { store(id: $id) { id automations { kind enabled } } }"
POSTER = "query($id: ID!) { store(id: $id) { id promotionalPoster { url } } }"
NODE_TEMPLATE = "query($id: ID!) { node(id: $id) { id ... on MessageTemplate { body } } }"
NODE_CAMPAIGN = "query($id: ID!) { node(id: $id) { id ... on MessageCampaign { status } } }"
DELIVERIES = """query($id: ID!) { node(id: $id) { id ... on MessageCampaign {
  deliveries { edges { node { status } } } } } }"""
EFFECT = """query($id: ID!) { node(id: $id) { id ... on MessageCampaign {
  effect { sent { visits } } } } }"""
CREATE_TEMPLATE = """mutation($input: CreateMessageTemplateInput!) {
  createMessageTemplate(input: $input) { __typename } }"""
CREATE_CAMPAIGN = """mutation($input: CreateMessageCampaignInput!) {
  createMessageCampaign(input: $input) { __typename ... on UserError { message } } }"""
CANCEL = """mutation($input: CancelMessageCampaignInput!) {
  cancelMessageCampaign(input: $input) { __typename ... on UserError { message } } }"""
AUTOMATE = """mutation($input: UpdateAutomationInput!) {
  updateAutomation(input: $input) { __typename ... on UserError { message } } }"""

READ: Expectations = {**MANAGE}
SEND: Expectations = {**MANAGE}
# Through node(id): what the caller may not read is absent there, never forbidden.
BY_NODE: Expectations = {**READ, "staff": (ABSENT, ABSENT), "partner": (ABSENT, ABSENT)}


async def _template(w: World, target: str) -> MessageTemplate:
    return await MessageTemplate.create(store_id=w.store_id(target), name="t", body="안녕하세요")


async def _campaign(w: World, target: str, status: CampaignStatus) -> MessageCampaign:
    made = await MessageCampaign.create(
        store_id=w.store_id(target),
        template_id=(await _template(w, target)).id,
        name="c",
        channel=MessageChannel.SMS,
        status=status,
        send_at=datetime.now(UTC) + timedelta(days=1),
        quota_month="2099-01",
    )
    customer = await factories.customer(w.store_id(target), marketing_consent=True)
    await MessageDelivery.create(
        store_id=w.store_id(target),
        customer_id=customer.id,
        campaign_id=made.id,
        template_id=made.template_id,
        channel=MessageChannel.SMS,
        marketing=True,
        status=DeliveryStatus.SCHEDULED,
        scheduled_at=made.send_at,
    )
    return made


async def _node_template(w: World, target: str) -> dict:
    return {"id": gid("MessageTemplate", (await _template(w, target)).id)}


async def _node_campaign(w: World, target: str) -> dict:
    return {"id": gid("MessageCampaign", (await _campaign(w, target, CampaignStatus.SENT)).id)}


async def _create_campaign(w: World, target: str) -> dict:
    tag = w.unique("aud")
    await factories.customer(w.store_id(target), marketing_consent=True, tags=(tag,))
    return {
        "input": {
            "storeId": w.store(target),
            "templateId": gid("MessageTemplate", (await _template(w, target)).id),
            "audience": {"tag": tag},
            "channel": "SMS",
            "idempotencyKey": w.unique("campaign"),
        }
    }


async def _cancel(w: World, target: str) -> dict:
    made = await _campaign(w, target, CampaignStatus.SCHEDULED)
    return {"input": {"campaignId": gid("MessageCampaign", made.id)}}


async def _premium(w: World, target: str) -> dict:
    await Store.filter(id=w.store_id(target)).update(plan=Plan.PREMIUM)
    return {"id": w.store(target)}


ROWS = [
    Row("Store.messageTemplates", TEMPLATES, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.messageCampaigns", CAMPAIGNS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.messageAudience", AUDIENCE, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.messageQuota", QUOTA, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.messageDeliveries", STORE_DELIVERIES, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.automations", AUTOMATIONS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.promotionalPoster", POSTER, _premium, **READ),
    Row("Query.node", NODE_TEMPLATE, _node_template, variant="MessageTemplate", **BY_NODE),
    Row("Query.node", NODE_CAMPAIGN, _node_campaign, variant="MessageCampaign", **BY_NODE),
    Row("MessageCampaign.deliveries", DELIVERIES, _node_campaign, **BY_NODE),
    Row("MessageCampaign.effect", EFFECT, _node_campaign, **BY_NODE),
    Row(
        "Mutation.createMessageTemplate",
        CREATE_TEMPLATE,
        lambda w, t: {"input": {"storeId": w.store(t), "name": "t", "body": "#{name}님"}},
        **SEND,
    ),
    Row("Mutation.createMessageCampaign", CREATE_CAMPAIGN, _create_campaign, **SEND),
    Row("Mutation.cancelMessageCampaign", CANCEL, _cancel, **SEND),
    Row(
        "Mutation.updateAutomation",
        AUTOMATE,
        lambda w, t: {"input": {"storeId": w.store(t), "kind": "ORDER_READY", "enabled": False}},
        **OWNER,
    ),
]
