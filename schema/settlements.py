"""Settlements (H1-H4) in the graph; every field is the owner's (and the admin's) alone."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.context import Context
from models.settlements import (
    Settlement as SettlementModel,
    SettlementDispute as DisputeModel,
    SettlementLine as LineModel,
)
from models.stores import Store as StoreModel
from resolvers import settlements
from resolvers.settlements.evidence import CSV_TYPE, PDF_TYPE, filename
from schema.enums import DisputeOutcome, DisputeStatus, Plan, SettlementLineKind
from schema.errors import result
from schema.files import Download, download
from schema.ids import decode_id, global_id
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store
from schema.stores import StoreProfile


@strawberry.type
class SettlementLine:
    kind: SettlementLineKind
    description: str
    campaign_id: relay.GlobalID | None
    quantity: int
    unit_amount: int
    amount: int = strawberry.field(description="> 0: the store pays; < 0: the platform pays.")

    @classmethod
    def from_model(cls, line: LineModel) -> SettlementLine:
        return cls(
            kind=line.kind,
            description=line.description,
            campaign_id=global_id("CupHolderCampaign", line.campaign_id),
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            amount=line.amount,
        )

    @classmethod
    def from_draft(cls, line: settlements.DraftLine) -> SettlementLine:
        return cls(
            kind=line.kind,
            description=line.description,
            campaign_id=global_id("CupHolderCampaign", line.campaign_id),
            quantity=line.quantity,
            unit_amount=line.unit_amount,
            amount=line.amount,
        )


@strawberry.type
class SettlementDispute(relay.Node):
    id: relay.NodeID[int]
    reason: str
    status: DisputeStatus
    opened_at: datetime
    resolved_at: datetime | None
    note: str
    settlement_id: relay.GlobalID

    @classmethod
    def from_model(cls, dispute: DisputeModel) -> SettlementDispute:
        return cls(
            id=dispute.id,
            reason=dispute.reason,
            status=dispute.status,
            opened_at=dispute.opened_at,
            resolved_at=dispute.resolved_at,
            note=dispute.note,
            settlement_id=relay.GlobalID("Settlement", str(dispute.settlement_id)),
        )


async def _settlement_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    return int(source.store_pk)


@strawberry.type(description="A store's monthly statement; immutable once issued.")
class Settlement(relay.Node):
    id: relay.NodeID[int]
    period_start: date
    period_end: date = strawberry.field(description="The last day, inclusive.")
    plan: Plan
    cup_holder_cost: int
    subscription_fee: int
    incentives: int = strawberry.field(description="Earned by the store (a credit).")
    adjustments: int
    net_amount: int = strawberry.field(
        description="> 0: the store pays the platform; < 0: the platform pays the store."
    )
    tax_invoice_ref: str
    issued_at: datetime
    processing_date: date
    payout_date: date
    dispute_closes_at: datetime
    store_pk: strawberry.Private[int]

    @classmethod
    def from_model(cls, row: SettlementModel) -> Settlement:
        return cls(
            id=row.id,
            period_start=row.period_start,
            period_end=row.period_end,
            plan=Plan(row.plan),
            cup_holder_cost=row.cup_holder_cost,
            subscription_fee=row.subscription_fee,
            incentives=row.incentives,
            adjustments=row.adjustments,
            net_amount=row.net_amount,
            tax_invoice_ref=row.tax_invoice_ref,
            issued_at=row.issued_at,
            processing_date=row.processing_date,
            payout_date=row.payout_date,
            dispute_closes_at=row.dispute_closes_at,
            store_pk=row.store_id,
        )

    @strawberry.field
    async def lines(self, info: Info) -> list[SettlementLine]:
        found = await info.context.loaders.batch(settlements.lines_of).load(self.id)
        return [SettlementLine.from_model(line) for line in found]

    @strawberry.field
    async def disputes(self, info: Info) -> list[SettlementDispute]:
        found = await info.context.loaders.batch(settlements.disputes_of).load(self.id)
        return [SettlementDispute.from_model(dispute) for dispute in found]

    @query("settlements.download", store=_settlement_store)
    def csv(self, info: Info) -> Download:
        """The statement as CSV (UTF-8 with a byte-order mark, for Excel)."""
        return download(
            info,
            kind="settlement.csv",
            object_id=self.id,
            store_id=self.store_pk,
            filename=filename(self.period_start, self.tax_invoice_ref, "csv"),
            content_type=CSV_TYPE,
        )

    @query("settlements.download", store=_settlement_store)
    def pdf(self, info: Info) -> Download:
        """The statement as a Korean PDF with its tax-invoice reference."""
        return download(
            info,
            kind="settlement.pdf",
            object_id=self.id,
            store_id=self.store_pk,
            filename=filename(self.period_start, self.tax_invoice_ref, "pdf"),
            content_type=PDF_TYPE,
        )


@strawberry.type
class SettlementConnection(Connection[Settlement]):
    pass


@strawberry.type(description="The current month so far, computed as its statement will be.")
class ExpectedSettlement:
    period_start: date
    period_end: date
    as_of: datetime
    cup_holder_cost: int
    subscription_fee: int
    incentives: int
    adjustments: int
    net_amount: int
    lines: list[SettlementLine]


@strawberry.type
class SettlementSchedule:
    period_start: date = strawberry.field(description="The month being settled now.")
    period_end: date
    closes_at: datetime = strawberry.field(description="When the month closes and is issued.")
    processing_date: date
    payout_date: date
    dispute_days: int = strawberry.field(description="Days from issue (its day counted) to object.")


@strawberry.input
class DisputeSettlementInput:
    settlement_id: relay.GlobalID
    reason: str


@strawberry.input
class ResolveSettlementDisputeInput:
    dispute_id: relay.GlobalID
    outcome: DisputeOutcome
    adjustment: int | None = strawberry.field(
        default=None,
        description="With ACCEPTED: won carried by the next statement (< 0 credits the store).",
    )
    note: str = ""


@strawberry.type
class SettlementDisputeSuccess:
    dispute: SettlementDispute


DisputeSettlementResult = result(
    "DisputeSettlementResult",
    SettlementDisputeSuccess,
    errors.InvalidInput,
    errors.NotFound,
    settlements.DisputeWindowClosed,
    settlements.DisputeAlreadyOpen,
)
ResolveSettlementDisputeResult = result(
    "ResolveSettlementDisputeResult",
    SettlementDisputeSuccess,
    errors.InvalidInput,
    errors.NotFound,
    settlements.DisputeNotOpen,
)


@strawberry.type
class Mutation:
    @mutation(
        "settlements.dispute",
        store=owner_store_of("input.settlement_id", SettlementModel, "Settlement"),
        absent="settlement",
        result=DisputeSettlementResult,
    )
    async def dispute_settlement(
        self, info: Info, input: DisputeSettlementInput
    ) -> SettlementDisputeSuccess:
        dispute = await settlements.dispute_settlement(
            info.context,
            settlement_id=decode_id(input.settlement_id, "Settlement"),
            reason=input.reason,
        )
        return SettlementDisputeSuccess(dispute=SettlementDispute.from_model(dispute))

    @mutation(
        "settlements.resolve",
        store=owner_store_of("input.dispute_id", DisputeModel, "SettlementDispute"),
        absent="dispute",
        result=ResolveSettlementDisputeResult,
    )
    async def resolve_settlement_dispute(
        self, info: Info, input: ResolveSettlementDisputeInput
    ) -> SettlementDisputeSuccess:
        dispute = await settlements.resolve_dispute(
            info.context,
            dispute_id=decode_id(input.dispute_id, "SettlementDispute"),
            outcome=input.outcome,
            adjustment=input.adjustment,
            note=input.note,
        )
        return SettlementDisputeSuccess(dispute=SettlementDispute.from_model(dispute))


@strawberry.type
class StoreSettlements(StoreProfile):
    @query("settlements.read", store=source_store())
    async def settlements(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> SettlementConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await settlements.settlements_page(
            store_id=self.id, size=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            SettlementConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=Settlement.from_model,
            has_previous=cursor is not None,
            total=SettlementModel.filter(store_id=self.id).count,
        )

    @query("settlements.read", store=source_store())
    async def settlement_schedule(self, info: Info) -> SettlementSchedule:
        period = settlements.current_month(datetime.now(UTC), self.time_zone)
        return SettlementSchedule(
            period_start=period.start,
            period_end=period.end,
            closes_at=period.ends_at,
            processing_date=period.processing_date,
            payout_date=period.payout_date,
            dispute_days=settlements.DISPUTE_DAYS,
        )

    @query("settlements.read", store=source_store())
    async def expected_settlement(self, info: Info) -> ExpectedSettlement:
        now = datetime.now(UTC)
        store = await info.context.loaders.rows(StoreModel).load(self.id)
        assert store is not None
        found = await settlements.draft(
            store, settlements.current_month(now, store.time_zone), adjustments_before=now
        )
        return ExpectedSettlement(
            period_start=found.period.start,
            period_end=found.period.end,
            as_of=now,
            cup_holder_cost=found.cup_holder_cost,
            subscription_fee=found.subscription_fee,
            incentives=found.incentives,
            adjustments=found.adjustments,
            net_amount=found.net_amount,
            lines=[SettlementLine.from_draft(line) for line in found.lines],
        )
