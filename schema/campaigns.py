"""The cup-holder campaign (G1) in the graph: campaigns, joining, usage and its report."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import BadUserInput
from models.campaigns import (
    CampaignEnrollment as EnrollmentModel,
    CupHolderCampaign as CampaignModel,
    CupHolderUsage as UsageModel,
)
from models.stores import Store as StoreModel
from resolvers import campaigns
from resolvers.settlements import day_starts_at, month_of
from schema.enums import CampaignGrade
from schema.errors import result
from schema.ids import decode_id, global_id, optional_pk_of, pk_of
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import platform, source_store, store_id_at
from schema.stores import StoreProfile

MAX_PERIOD_DAYS = 366


@strawberry.type(description="A grade's discount on a campaign's supply, and what it pays.")
class GradePrice:
    grade: CampaignGrade
    discount_percent: int
    unit_cost: int = strawberry.field(description="Won per unit, rounded half up to whole won.")
    incentive_per_unit: int


@strawberry.type
class CupHolderCampaign(relay.Node):
    id: relay.NodeID[int]
    name: str
    supply_item: str
    unit: str
    unit_price: int = strawberry.field(description="Won per unit before the grade discount.")
    incentive_per_unit: int = strawberry.field(description="Won per unit a Platinum store earns.")
    starts_on: date
    ends_on: date = strawberry.field(description="The last day, inclusive.")
    created_at: datetime

    @classmethod
    def from_model(cls, campaign: CampaignModel) -> CupHolderCampaign:
        return cls(
            id=campaign.id,
            name=campaign.name,
            supply_item=campaign.supply_item,
            unit=campaign.unit,
            unit_price=campaign.unit_price,
            incentive_per_unit=campaign.incentive_per_unit,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
            created_at=campaign.created_at,
        )

    @field(description="The price table: every grade's discount and unit cost.")
    def prices(self) -> list[GradePrice]:
        return [
            GradePrice(
                grade=grade,
                discount_percent=campaigns.DISCOUNT_PERCENT[grade],
                unit_cost=campaigns.unit_cost(self.unit_price, grade),
                incentive_per_unit=self.incentive_per_unit
                if grade in campaigns.INCENTIVE_GRADES
                else 0,
            )
            for grade in CampaignGrade
        ]


@strawberry.type(description="A campaign open to the store, and whether the store joined it.")
class CampaignOffer:
    campaign: CupHolderCampaign
    joined: bool
    grade: CampaignGrade = strawberry.field(description="The store's campaign grade now.")
    unit_cost: int = strawberry.field(description="What the store pays per unit at its grade.")
    incentive_per_unit: int = strawberry.field(description="What it earns per unit at its grade.")


@strawberry.type
class CupHolderUsageEntry:
    id: relay.GlobalID = strawberry.field(description="Names the entry in a correction.")
    units: int = strawberry.field(description="Negative in a correction.")
    grade: CampaignGrade
    unit_cost: int
    cost: int
    incentive: int
    note: str
    corrects_usage_id: relay.GlobalID | None
    recorded_at: datetime
    campaign_pk: strawberry.Private[int]
    recorded_by_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, entry: UsageModel) -> CupHolderUsageEntry:
        return cls(
            id=relay.GlobalID("CupHolderUsage", str(entry.id)),
            units=entry.units,
            grade=CampaignGrade(entry.grade),
            unit_cost=entry.unit_cost,
            cost=entry.cost,
            incentive=entry.incentive,
            note=entry.note,
            corrects_usage_id=global_id("CupHolderUsage", entry.corrects_id),
            recorded_at=entry.recorded_at,
            campaign_pk=entry.campaign_id,
            recorded_by_pk=entry.recorded_by_id,
        )

    @strawberry.field
    def campaign_id(self) -> relay.GlobalID:
        return relay.GlobalID("CupHolderCampaign", str(self.campaign_pk))

    @field(description="The account that recorded it (null for a partner key).")
    def recorded_by_id(self) -> relay.GlobalID | None:
        return (
            None
            if self.recorded_by_pk is None
            else relay.GlobalID("Account", str(self.recorded_by_pk))
        )


@strawberry.type
class CupHolderUsageConnection(Connection[CupHolderUsageEntry]):
    pass


@strawberry.type
class CampaignUsageTotal:
    campaign: CupHolderCampaign
    units: int
    cost: int
    incentive: int


@strawberry.type(description="Usage recorded in a period of the store's days, per campaign.")
class CupHolderUsageReport:
    from_: date = strawberry.field(name="from")
    to: date
    units: int
    cost: int
    incentive: int
    campaigns: list[CampaignUsageTotal]
    store_pk: strawberry.Private[int]
    starts_at: strawberry.Private[datetime]
    ends_at: strawberry.Private[datetime]

    @field(description="The entries, newest first.")
    async def entries(
        self, first: int | None = None, after: str | None = None
    ) -> CupHolderUsageConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await campaigns.usage_page(
            store_id=self.store_pk,
            start=self.starts_at,
            end=self.ends_at,
            size=size,
            before_id=cursor[0] if cursor else None,
        )
        return connection(
            CupHolderUsageConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=CupHolderUsageEntry.from_model,
            has_previous=cursor is not None,
            total=UsageModel.filter(
                store_id=self.store_pk,
                recorded_at__gte=self.starts_at,
                recorded_at__lt=self.ends_at,
            ).count,
        )


@strawberry.input(description="Days of the store's time zone, both included.")
class DatePeriodInput:
    from_: date = strawberry.field(name="from")
    to: date


async def usage_report(store_id: int, period: DatePeriodInput | None) -> CupHolderUsageReport:
    store = await StoreModel.get(id=store_id)
    if period is None:
        month = month_of(campaigns.local_today(store, datetime.now(UTC)), store.time_zone)
        start_day, end_day = month.start, month.end
    else:
        start_day, end_day = period.from_, period.to
    if end_day < start_day or (end_day - start_day).days >= MAX_PERIOD_DAYS:
        raise BadUserInput(
            f"A period runs forward, {MAX_PERIOD_DAYS} days at most.", field="period"
        )
    starts_at = day_starts_at(start_day, store.time_zone)
    ends_at = day_starts_at(end_day + timedelta(days=1), store.time_zone)
    totals = await campaigns.usage_totals(store_id=store_id, start=starts_at, end=ends_at)
    found = await campaigns.campaigns_by_id([t.campaign_id for t in totals])
    return CupHolderUsageReport(
        from_=start_day,
        to=end_day,
        units=sum(t.units for t in totals),
        cost=sum(t.cost for t in totals),
        incentive=sum(t.incentive for t in totals),
        campaigns=[
            CampaignUsageTotal(
                campaign=CupHolderCampaign.from_model(campaign),
                units=t.units,
                cost=t.cost,
                incentive=t.incentive,
            )
            for t, campaign in zip(totals, found, strict=True)
            if campaign is not None
        ],
        store_pk=store_id,
        starts_at=starts_at,
        ends_at=ends_at,
    )


@strawberry.input
class CreateCupHolderCampaignInput:
    name: str
    supply_item: str
    unit_price: int
    starts_on: date
    ends_on: date
    unit: str = "개"
    incentive_per_unit: int = 0


@strawberry.input
class JoinCupHolderCampaignInput:
    store_id: relay.GlobalID
    campaign_id: relay.GlobalID


@strawberry.input
class RecordCupHolderUsageInput:
    store_id: relay.GlobalID
    campaign_id: relay.GlobalID
    units: int = strawberry.field(description="Positive; negative only in a correction.")
    idempotency_key: str
    note: str = ""
    corrects_usage_id: relay.GlobalID | None = strawberry.field(
        default=None, description="The entry this one corrects (it is priced as that entry)."
    )


@strawberry.type
class CupHolderCampaignSuccess:
    campaign: CupHolderCampaign


@strawberry.type
class JoinCupHolderCampaignSuccess:
    campaign: CupHolderCampaign
    joined_at: datetime


@strawberry.type
class RecordCupHolderUsageSuccess:
    entry: CupHolderUsageEntry


CreateCupHolderCampaignResult = result(
    "CreateCupHolderCampaignResult", CupHolderCampaignSuccess, errors.InvalidInput
)
JoinCupHolderCampaignResult = result(
    "JoinCupHolderCampaignResult",
    JoinCupHolderCampaignSuccess,
    errors.NotFound,
    campaigns.CampaignClosed,
)
RecordCupHolderUsageResult = result(
    "RecordCupHolderUsageResult",
    RecordCupHolderUsageSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
    campaigns.CampaignClosed,
    campaigns.NotEnrolled,
)


def _campaign_pk(value: relay.GlobalID) -> int:
    return pk_of(value, "CupHolderCampaign", field="campaign_id")


@strawberry.type
class Query:
    @query("cupholder.read", store=store_id_at("store_id"))
    async def cup_holder_campaigns(
        self, info: Info, store_id: relay.GlobalID
    ) -> list[CampaignOffer] | None:
        """Campaigns not yet over in the store's time zone, with its price (null: no such store)."""
        pk = decode_id(store_id, "Store")
        store = await StoreModel.get(id=pk)
        grade = campaigns.effective_grade(store.plan, store.campaign_grade)
        return [
            CampaignOffer(
                campaign=CupHolderCampaign.from_model(campaign),
                joined=joined,
                grade=grade,
                unit_cost=campaigns.unit_cost(campaign.unit_price, grade),
                incentive_per_unit=campaigns.incentive(campaign, grade),
            )
            for campaign, joined in await campaigns.open_campaigns(pk)
        ]


@strawberry.type
class Mutation:
    @mutation("cupholder.manage", store=platform(), result=CreateCupHolderCampaignResult)
    async def create_cup_holder_campaign(
        self, info: Info, input: CreateCupHolderCampaignInput
    ) -> CupHolderCampaignSuccess:
        created = await campaigns.create_campaign(
            info.context,
            campaigns.CampaignInput(
                name=input.name,
                supply_item=input.supply_item,
                unit_price=input.unit_price,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                unit=input.unit,
                incentive_per_unit=input.incentive_per_unit,
            ),
        )
        return CupHolderCampaignSuccess(campaign=CupHolderCampaign.from_model(created))

    @mutation(
        "cupholder.join",
        store=store_id_at("input.store_id"),
        absent="store",
        result=JoinCupHolderCampaignResult,
    )
    async def join_cup_holder_campaign(
        self, info: Info, input: JoinCupHolderCampaignInput
    ) -> JoinCupHolderCampaignSuccess:
        enrollment: EnrollmentModel = await campaigns.join_campaign(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            campaign_id=_campaign_pk(input.campaign_id),
        )
        campaign = await CampaignModel.get(id=enrollment.campaign_id)
        return JoinCupHolderCampaignSuccess(
            campaign=CupHolderCampaign.from_model(campaign), joined_at=enrollment.joined_at
        )

    @mutation(
        "cupholder.record",
        store=store_id_at("input.store_id"),
        absent="store",
        result=RecordCupHolderUsageResult,
    )
    async def record_cup_holder_usage(
        self, info: Info, input: RecordCupHolderUsageInput
    ) -> RecordCupHolderUsageSuccess:
        entry = await campaigns.record_usage(
            info.context,
            campaigns.UsageInput(
                store_id=decode_id(input.store_id, "Store"),
                campaign_id=_campaign_pk(input.campaign_id),
                units=input.units,
                idempotency_key=input.idempotency_key,
                note=input.note,
                corrects_usage_id=optional_pk_of(
                    input.corrects_usage_id, "CupHolderUsage", field="corrects_usage_id"
                ),
            ),
        )
        return RecordCupHolderUsageSuccess(entry=CupHolderUsageEntry.from_model(entry))


@strawberry.type
class StoreCampaigns(StoreProfile):
    @query("cupholder.read", store=source_store())
    async def cup_holder_usage(
        self, info: Info, period: DatePeriodInput | None = None
    ) -> CupHolderUsageReport:
        """Usage in a period (default: this month), per campaign, with its entries."""
        return await usage_report(self.id, period)
