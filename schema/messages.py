"""Messages (G3–G6): templates, campaigns with their deliveries and effect, the quota,
automations and the promotional poster."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, TypeVar

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.context import Context
from models.customers import Customer as CustomerModel
from models.messages import (
    Automation as AutomationModel,
    MessageCampaign as MessageCampaignModel,
    MessageDelivery as MessageDeliveryModel,
    MessageTemplate as MessageTemplateModel,
)
from models.stores import Plan as PlanModel, Store as StoreModel
from resolvers.messages import audiences, automations, campaigns, effect, quota, templates
from resolvers.messages.audiences import Audience
from resolvers.messages.errors import (
    CampaignNotCancellable,
    MessageQuotaExceeded,
    TemplateVariableUnavailable,
    UnknownTemplateVariable,
)
from resolvers.messages.poster import poster_filename
from schema.customers.types import CustomerProfile
from schema.enums import (
    AutomationKind,
    CampaignStatus,
    MessageChannel,
    MessageDeliveryStatus,
    Plan,
    PosterOffer,
    Segment,
)
from schema.errors import result
from schema.files import Download, download
from schema.ids import Absent, decode_id, global_id, optional_pk_of, pk_of
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.refs import CustomerRef
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile

POSTER_KIND = "messages.poster"


def poster_kind(offer: PosterOffer | None) -> str:
    return POSTER_KIND if offer is None else f"{POSTER_KIND}.{offer.value.lower()}"


# -- templates ---------------------------------------------------------------------------------


@strawberry.type(
    description="A store's message text; #{variable} placeholders are filled per recipient."
)
class MessageTemplate(relay.Node):
    id: relay.NodeID[int]
    name: str
    body: str
    variables: list[str]
    kakao_template_code: str | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: MessageTemplateModel) -> MessageTemplate:
        return cls(
            id=row.id,
            name=row.name,
            body=row.body,
            variables=list(row.variables),
            kakao_template_code=row.kakao_template_code,
            created_at=row.created_at,
        )


@strawberry.type
class MessageTemplateConnection(Connection[MessageTemplate]):
    pass


@strawberry.input
class CreateMessageTemplateInput:
    store_id: relay.GlobalID
    name: str
    body: str = strawberry.field(
        description="Up to 1,000 characters; variables: "
        + ", ".join("#{" + name + "}" for name in templates.VARIABLES)
    )
    kakao_template_code: str | None = strawberry.field(
        default=None, description="The code Kakao approved for this text (Alimtalk)."
    )


@strawberry.type
class CreateMessageTemplateSuccess:
    template: MessageTemplate


CreateMessageTemplateResult = result(
    "CreateMessageTemplateResult",
    CreateMessageTemplateSuccess,
    errors.InvalidInput,
    errors.NotFound,
    UnknownTemplateVariable,
)


# -- campaigns ---------------------------------------------------------------------------------


@strawberry.type(description="Who a campaign reaches; the criteria given narrow one another.")
class MessageAudience:
    segment: Segment | None
    tier_id: relay.GlobalID | None
    tag: str | None
    insight_key: str | None


@strawberry.input(description="Leave every criterion out to reach every consenting customer.")
class MessageAudienceInput:
    segment: Segment | None = None
    tier_id: relay.GlobalID | None = None
    tag: str | None = None
    insight_key: str | None = strawberry.field(
        default=None, description="The audience of an analytics insight (Premium)."
    )

    def to_audience(self) -> Audience:
        return Audience(
            segment=self.segment,
            tier_id=optional_pk_of(self.tier_id, "Tier", field="audience.tierId"),
            tag=self.tag,
            insight_key=self.insight_key,
        )


@strawberry.type(description="How a campaign's deliveries stand, by status.")
class MessageCampaignSummary:
    scheduled: int
    queued: int
    sent: int
    delivered: int
    failed: int
    cancelled: int
    held_out: int


@strawberry.type
class MessageDelivery(relay.Node):
    id: relay.NodeID[int]
    channel: MessageChannel
    status: MessageDeliveryStatus
    automation: AutomationKind | None
    attempts: int
    failure_reason: str | None = strawberry.field(
        description="The provider's reason, if it failed."
    )
    scheduled_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    customer_id: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: MessageDeliveryModel) -> MessageDelivery:
        return cls(
            id=row.id,
            channel=row.channel,
            status=row.status,
            automation=row.automation,
            attempts=row.attempts,
            failure_reason=row.failure_reason,
            scheduled_at=row.scheduled_at,
            sent_at=row.sent_at,
            delivered_at=row.delivered_at,
            failed_at=row.failed_at,
            customer_id=row.customer_id,
        )

    @field(description="The recipient.", graphql_type=CustomerRef)
    async def customer(self, info: Info) -> CustomerProfile | None:
        row = await info.context.loaders.rows(CustomerModel).load(self.customer_id)
        return CustomerProfile.from_model(row) if row else None


@strawberry.type
class MessageDeliveryConnection(Connection[MessageDelivery]):
    pass


@strawberry.type(description="What one group did in its attribution windows.")
class CampaignGroupEffect:
    customers: int
    customers_visiting: int
    visits: int
    revenue: int = strawberry.field(description="Won paid, less refunds.")
    redemptions: int = strawberry.field(description="Rewards redeemed and coupons used.")
    visit_rate: float = strawberry.field(description="Share of the group with a visit, 0 to 1.")
    visits_per_customer: float
    revenue_per_customer: float

    @classmethod
    def of(cls, group: effect.GroupEffect) -> CampaignGroupEffect:
        return cls(
            customers=group.customers,
            customers_visiting=group.customers_visiting,
            visits=group.visits,
            revenue=group.revenue,
            redemptions=group.redemptions,
            visit_rate=group.visit_rate,
            visits_per_customer=group.visits_per_customer,
            revenue_per_customer=group.revenue_per_customer,
        )


@strawberry.type(description="The recipients' figures less the holdout's.")
class CampaignUplift:
    visit_rate: float = strawberry.field(description="In shares: 0.05 is five points.")
    visits_per_customer: float
    revenue_per_customer: float
    incremental_visits: float
    incremental_revenue: float


@strawberry.type(description="Visits, revenue and redemptions attributed to the campaign.")
class MessageCampaignEffect:
    attribution_days: int
    started_at: datetime | None
    sent: CampaignGroupEffect
    holdout: CampaignGroupEffect | None
    uplift: CampaignUplift | None

    @classmethod
    def of(cls, found: effect.CampaignEffect) -> MessageCampaignEffect:
        return cls(
            attribution_days=found.attribution_days,
            started_at=found.started_at,
            sent=CampaignGroupEffect.of(found.sent),
            holdout=CampaignGroupEffect.of(found.holdout) if found.holdout else None,
            uplift=CampaignUplift(**vars(found.uplift)) if found.uplift else None,
        )


async def _campaign_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    """The scope of a campaign's own fields: the campaign's store."""
    return int(source.row.store_id)


@strawberry.type(description="A template sent to an audience now or at a chosen time.")
class MessageCampaign(relay.Node):
    id: relay.NodeID[int]
    name: str
    channel: MessageChannel
    status: CampaignStatus
    audience: MessageAudience
    send_at: datetime
    recipient_count: int = strawberry.field(description="Customers sent (or to be sent) to.")
    holdout_count: int = strawberry.field(description="Customers held out as the baseline.")
    holdout_percent: int
    attribution_days: int
    coupon_template_id: relay.GlobalID | None
    created_at: datetime
    dispatched_at: datetime | None
    cancelled_at: datetime | None
    template_id: strawberry.Private[int]
    row: strawberry.Private[MessageCampaignModel]

    @classmethod
    def from_model(cls, row: MessageCampaignModel) -> MessageCampaign:
        audience = Audience.from_json(row.audience)
        return cls(
            id=row.id,
            name=row.name,
            channel=row.channel,
            status=row.status,
            audience=MessageAudience(
                segment=audience.segment,
                tier_id=global_id("Tier", audience.tier_id),
                tag=audience.tag,
                insight_key=audience.insight_key,
            ),
            send_at=row.send_at,
            recipient_count=row.recipient_count,
            holdout_count=row.holdout_count,
            holdout_percent=row.holdout_percent,
            attribution_days=row.attribution_days,
            coupon_template_id=global_id("CouponTemplate", row.coupon_template_id),
            created_at=row.created_at,
            dispatched_at=row.dispatched_at,
            cancelled_at=row.cancelled_at,
            template_id=row.template_id,
            row=row,
        )

    @strawberry.field
    async def template(self, info: Info) -> MessageTemplate | None:
        row = await info.context.loaders.rows(MessageTemplateModel).load(self.template_id)
        return MessageTemplate.from_model(row) if row else None

    @strawberry.field
    async def summary(self, info: Info) -> MessageCampaignSummary:
        counts = await info.context.loaders.batch(campaigns.summaries_of).load(self.id)
        return MessageCampaignSummary(**{status.value.lower(): n for status, n in counts.items()})

    @query("messages.read", store=_campaign_store)
    async def deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        status: MessageDeliveryStatus | None = None,
    ) -> MessageDeliveryConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = MessageDeliveryModel.filter(campaign_id=self.id)
        if status is not None:
            rows = rows.filter(status=status)
        if cursor is not None:
            rows = rows.filter(id__gt=cursor[0])
        found = await rows.order_by("id").limit(size + 1)
        return connection(
            MessageDeliveryConnection,
            found,
            size,
            key=lambda row: [row.id],
            node=MessageDelivery.from_model,
            has_previous=cursor is not None,
            total=rows.count,
        )

    @query("campaigns.effect.read", store=_campaign_store)
    async def effect(self) -> MessageCampaignEffect:
        return MessageCampaignEffect.of(await effect.effect_of(self.row))


@strawberry.type
class MessageCampaignConnection(Connection[MessageCampaign]):
    pass


@strawberry.input
class CreateMessageCampaignInput:
    store_id: relay.GlobalID
    template_id: relay.GlobalID
    audience: MessageAudienceInput
    channel: MessageChannel
    idempotency_key: str
    send_at: datetime | None = strawberry.field(
        default=None,
        description="Leave out to send now; a time without an offset is the store's local time.",
    )
    name: str | None = None
    holdout_percent: int = strawberry.field(
        default=0, description="0 to 50: the share of the audience held out, not sent to."
    )
    attribution_days: int = strawberry.field(
        default=campaigns.DEFAULT_ATTRIBUTION_DAYS,
        description="Visits this many days after the message are attributed to it (1 to 90).",
    )
    coupon_template_id: relay.GlobalID | None = strawberry.field(
        default=None, description="A coupon each recipient gets with the message (#{couponName})."
    )


@strawberry.type
class MessageCampaignSuccess:
    campaign: MessageCampaign


CreateMessageCampaignResult = result(
    "CreateMessageCampaignResult",
    MessageCampaignSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
    MessageQuotaExceeded,
    TemplateVariableUnavailable,
)


@strawberry.input
class CancelMessageCampaignInput:
    campaign_id: relay.GlobalID


CancelMessageCampaignResult = result(
    "CancelMessageCampaignResult",
    MessageCampaignSuccess,
    errors.NotFound,
    CampaignNotCancellable,
)


@strawberry.type(description="Marketing messages of the month (the store's time zone) by plan.")
class MessageQuota:
    month: str
    plan: Plan
    monthly_limit: int
    used: int
    remaining: int
    resets_at: datetime


@strawberry.type(description="How many customers an audience holds, before sending.")
class MessageAudiencePreview:
    matching: int = strawberry.field(description="Customers in the audience.")
    reachable: int = strawberry.field(description="Those who accept marketing messages.")
    quota_remaining: int


# -- automations -------------------------------------------------------------------------------


@strawberry.type(description="A message sent by an event or on a schedule, switched per store.")
class MessageAutomation:
    kind: AutomationKind
    enabled: bool
    channel: MessageChannel
    insight_key: str | None
    marketing: bool = strawberry.field(
        description="Needs consent and counts against the quota (win-back, insight audience)."
    )
    required_plan: Plan
    template_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, row: AutomationModel) -> MessageAutomation:
        return cls(
            kind=row.kind,
            enabled=bool(row.enabled),
            channel=row.channel,
            insight_key=row.insight_key,
            marketing=row.kind in automations.MARKETING,
            required_plan=automations.REQUIRED_PLAN.get(row.kind, PlanModel.BASIC),
            template_id=row.template_id,
        )

    @strawberry.field
    async def template(self, info: Info) -> MessageTemplate | None:
        if self.template_id is None:
            return None
        row = await info.context.loaders.rows(MessageTemplateModel).load(self.template_id)
        return MessageTemplate.from_model(row) if row else None


@strawberry.input
class UpdateAutomationInput:
    store_id: relay.GlobalID
    kind: AutomationKind
    enabled: bool | None = strawberry.UNSET
    template_id: relay.GlobalID | None = strawberry.UNSET
    channel: MessageChannel | None = strawberry.UNSET
    insight_key: str | None = strawberry.UNSET


@strawberry.type
class UpdateAutomationSuccess:
    automation: MessageAutomation


UpdateAutomationResult = result(
    "UpdateAutomationResult",
    UpdateAutomationSuccess,
    errors.InvalidInput,
    errors.NotFound,
    TemplateVariableUnavailable,
)


T = TypeVar("T")


def _unset_to(value: T, default: T) -> T:
    """``value`` as sent, or ``default`` when the field was left out."""
    return default if value is strawberry.UNSET else value


@strawberry.type
class Mutation:
    @mutation(
        "messages.send",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateMessageTemplateResult,
    )
    async def create_message_template(
        self, info: Info, input: CreateMessageTemplateInput
    ) -> CreateMessageTemplateSuccess:
        template = await templates.create_template(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            body=input.body,
            kakao_template_code=input.kakao_template_code,
        )
        return CreateMessageTemplateSuccess(template=MessageTemplate.from_model(template))

    @mutation(
        "messages.send",
        store=store_id_at("input.store_id"),
        absent="store",
        plan=PlanModel.PLUS,
        result=CreateMessageCampaignResult,
    )
    async def create_message_campaign(
        self, info: Info, input: CreateMessageCampaignInput
    ) -> MessageCampaignSuccess:
        request = campaigns.CampaignRequest(
            store_id=decode_id(input.store_id, "Store"),
            template_id=pk_of(input.template_id, "MessageTemplate", field="templateId"),
            audience=input.audience.to_audience(),
            channel=input.channel,
            idempotency_key=input.idempotency_key,
            send_at=input.send_at,
            name=input.name,
            holdout_percent=input.holdout_percent,
            attribution_days=input.attribution_days,
            coupon_template_id=optional_pk_of(
                input.coupon_template_id, "CouponTemplate", field="couponTemplateId"
            ),
        )
        campaign = await campaigns.create_campaign(info.context, request)
        return MessageCampaignSuccess(campaign=MessageCampaign.from_model(campaign))

    @mutation(
        "messages.send",
        store=owner_store_of("input.campaign_id", MessageCampaignModel, "MessageCampaign"),
        absent="campaign",
        plan=PlanModel.PLUS,
        result=CancelMessageCampaignResult,
    )
    async def cancel_message_campaign(
        self, info: Info, input: CancelMessageCampaignInput
    ) -> MessageCampaignSuccess:
        campaign = await campaigns.cancel_campaign(
            info.context, campaign_id=decode_id(input.campaign_id, "MessageCampaign")
        )
        return MessageCampaignSuccess(campaign=MessageCampaign.from_model(campaign))

    @mutation(
        "messages.automations.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=UpdateAutomationResult,
    )
    async def update_automation(
        self, info: Info, input: UpdateAutomationInput
    ) -> UpdateAutomationSuccess:
        template = input.template_id
        change = automations.AutomationChange(
            enabled=_unset_to(input.enabled, None),
            template_id=(
                automations.UNSET
                if template is strawberry.UNSET
                else None
                if template is None
                else pk_of(template, "MessageTemplate", field="templateId")
            ),
            channel=_unset_to(input.channel, None),
            insight_key=_unset_to(input.insight_key, automations.UNSET),
        )
        row = await automations.update_automation(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            kind=input.kind,
            change=change,
        )
        return UpdateAutomationSuccess(automation=MessageAutomation.from_model(row))


@strawberry.type
class StoreMessages(StoreProfile):
    @query("messages.read", store=source_store())
    async def message_templates(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> MessageTemplateConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = MessageTemplateModel.filter(store_id=self.id)
        if cursor is not None:
            rows = rows.filter(id__lt=cursor[0])
        found = await rows.order_by("-id").limit(size + 1)
        return connection(
            MessageTemplateConnection,
            found,
            size,
            key=lambda row: [row.id],
            node=MessageTemplate.from_model,
            has_previous=cursor is not None,
            total=MessageTemplateModel.filter(store_id=self.id).count,
        )

    @query("messages.read", store=source_store(), plan=PlanModel.PLUS)
    async def message_campaigns(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> MessageCampaignConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        found = await campaigns.campaigns_of(
            self.id, first=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            MessageCampaignConnection,
            found,
            size,
            key=lambda row: [row.id],
            node=MessageCampaign.from_model,
            has_previous=cursor is not None,
            total=MessageCampaignModel.filter(store_id=self.id).count,
        )

    @query(
        "messages.read",
        store=source_store(),
        plan=PlanModel.PLUS,
        description="The size of an audience before a campaign is made.",
    )
    async def message_audience(
        self, info: Info, audience: MessageAudienceInput
    ) -> MessageAudiencePreview:
        store = await info.context.loaders.rows(StoreModel).load(self.id)
        if store is None:
            raise Absent
        wanted = await audiences.check(store.id, audience.to_audience())
        if wanted.insight_key is not None and not store.plan.includes(PlanModel.PREMIUM):
            raise errors.PlanUpgradeRequired(
                "An insight audience needs the PREMIUM plan.",
                requiredPlan=PlanModel.PREMIUM.value,
            )
        found = await audiences.size(info.context, store.id, wanted)
        left = await quota.state(store, quota.month_of(datetime.now(UTC), store.time_zone))
        return MessageAudiencePreview(
            matching=found.matching, reachable=found.reachable, quota_remaining=left.remaining
        )

    @query(
        "messages.read",
        store=source_store(),
        description="Messages sent to customers, newest first: by an automation, or all.",
    )
    async def message_deliveries(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        automation: AutomationKind | None = None,
        status: MessageDeliveryStatus | None = None,
    ) -> MessageDeliveryConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = MessageDeliveryModel.filter(store_id=self.id)
        if automation is not None:
            rows = rows.filter(automation=automation)
        if status is not None:
            rows = rows.filter(status=status)
        page = rows.filter(id__lt=cursor[0]) if cursor is not None else rows
        found = await page.order_by("-id").limit(size + 1)
        return connection(
            MessageDeliveryConnection,
            found,
            size,
            key=lambda row: [row.id],
            node=MessageDelivery.from_model,
            has_previous=cursor is not None,
            total=rows.count,
        )

    @query("messages.read", store=source_store())
    async def message_quota(self, info: Info) -> MessageQuota:
        store = await info.context.loaders.rows(StoreModel).load(self.id)
        if store is None:
            raise Absent
        now = await quota.state(store, quota.month_of(datetime.now(UTC), store.time_zone))
        return MessageQuota(
            month=now.month,
            plan=store.plan,
            monthly_limit=now.monthly_limit,
            used=now.used,
            remaining=now.remaining,
            resets_at=now.resets_at,
        )

    @query("messages.read", store=source_store())
    async def automations(self, info: Info) -> list[MessageAutomation]:
        return [
            MessageAutomation.from_model(row) for row in await automations.automations_of(self.id)
        ]

    @query(
        "posters.generate",
        store=source_store(),
        plan=PlanModel.PREMIUM,
        description="A printable A4 poster (PDF) of a template and the store's current offer.",
    )
    async def promotional_poster(
        self,
        info: Info,
        template_id: relay.GlobalID | None = None,
        offer: PosterOffer | None = None,
    ) -> Download | None:
        template = 0
        if template_id is not None:
            template = decode_id(template_id, "MessageTemplate")
            if await templates.template_of(self.id, template) is None:
                return None
        store = await info.context.loaders.rows(StoreModel).load(self.id)
        if store is None:
            return None
        return download(
            info,
            kind=poster_kind(offer),
            object_id=template,
            store_id=self.id,
            filename=poster_filename(store),
            content_type="application/pdf",
        )
