"""Points (D1-D8): the programme, the ledger's entries, adjustments, transfers, the dashboard."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import InvalidInput, NotFound as NotFoundError
from models.customers import Customer as CustomerModel
from models.points import (
    PointEntry as PointEntryModel,
    PointProgram as ProgramModel,
)
from resolvers import points
from resolvers.points import queries as point_queries
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import PointKind, PointSource, Rounding
from schema.errors import result
from schema.ids import Absent, decode_id, global_id, reference_id
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class PointProgram:
    earn_rate_bp: int = strawberry.field(description="Basis points of the amount paid (100 = 1%).")
    rounding: Rounding
    minimum_order: int
    signup_points: int
    review_points: int
    referral_points: int
    expiry_months: int | None = strawberry.field(description="null: points never expire.")
    expiry_notice_days: int

    @classmethod
    def from_model(cls, program: ProgramModel) -> "PointProgram":
        return cls(
            earn_rate_bp=program.earn_rate_bp,
            rounding=Rounding(program.rounding),
            minimum_order=program.minimum_order,
            signup_points=program.signup_points,
            review_points=program.review_points,
            referral_points=program.referral_points,
            expiry_months=program.expiry_months,
            expiry_notice_days=program.expiry_notice_days,
        )


def _reference(entry: PointEntryModel) -> strawberry.ID | None:
    found = reference_id(entry.reference_type, entry.reference_id)
    if found is not None:
        return strawberry.ID(str(found))
    return None if entry.reference_id is None else strawberry.ID(entry.reference_id)


@strawberry.type(description="One line of the append-only points ledger.")
class PointEntry(relay.Node):
    id: relay.NodeID[int]
    kind: PointKind
    source: PointSource
    amount: int = strawberry.field(description="Signed: positive adds, negative takes away.")
    balance_after: int
    owed: int = strawberry.field(
        description=(
            "Signed change of what the customer owes: the part of a reversal the balance could "
            "not cover adds, a settlement from a later earning takes away."
        )
    )
    remaining: int = strawberry.field(description="What is still unspent of an earned lot.")
    expires_at: datetime | None = strawberry.field(
        description=(
            "A credit: when its points expire. A debit: the earliest expiry of the points it took."
        )
    )
    reference_type: str | None
    reference_id: strawberry.ID | None = strawberry.field(
        description="The global id of the object behind the entry (an order, a redemption, "
        "a review...); a transfer's or an adjustment's idempotency key; an expiry's time."
    )
    reason: str | None
    customer_id: relay.GlobalID
    order_id: relay.GlobalID | None
    created_at: datetime

    @classmethod
    def from_model(cls, entry: PointEntryModel) -> "PointEntry":
        return cls(
            id=entry.id,
            kind=entry.kind,
            source=entry.source,
            amount=entry.amount,
            balance_after=entry.balance_after,
            owed=entry.owed,
            remaining=entry.remaining,
            expires_at=entry.expires_at,
            reference_type=entry.reference_type,
            reference_id=_reference(entry),
            reason=entry.reason,
            customer_id=global_id("Customer", entry.customer_id),
            order_id=global_id("Order", entry.order_id),
            created_at=entry.created_at,
        )


@strawberry.type
class PointEntryConnection(Connection[PointEntry]):
    pass


async def history_connection(
    customer_id: int, first: int | None, after: str | None
) -> PointEntryConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (int,))
    rows = await points.history_page(
        customer_id=customer_id, size=size, before_id=cursor[0] if cursor else None
    )
    return connection(
        PointEntryConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=PointEntry.from_model,
        has_previous=cursor is not None,
        total=PointEntryModel.filter(customer_id=customer_id).count,
    )


@strawberry.input
class PointsPeriodInput:
    from_: datetime = strawberry.field(name="from")
    to: datetime


@strawberry.type
class SourceTotal:
    source: PointSource
    points: int


@strawberry.type(
    description="A top earner: the customer's id and points; names stay behind PII rules."
)
class TopEarner:
    customer_id: relay.GlobalID
    points: int


@strawberry.type
class PointsDashboard:
    issued: int = strawberry.field(description="Earned and added by hand in the period.")
    used: int = strawberry.field(description="Spent on rewards, net of what was given back.")
    expired: int
    reversed: int = strawberry.field(description="Taken back by refunds and decreases by hand.")
    outstanding: int = strawberry.field(description="Balance of all customers at the period's end.")
    earnings_by_source: list[SourceTotal]
    top_earners: list[TopEarner]


async def points_dashboard(store_id: int, period: PointsPeriodInput, top: int) -> PointsDashboard:
    board = await points.dashboard(store_id=store_id, start=period.from_, end=period.to, top=top)
    return PointsDashboard(
        issued=board.issued,
        used=board.used,
        expired=board.expired,
        reversed=board.reversed,
        outstanding=board.outstanding,
        earnings_by_source=[
            SourceTotal(source=source, points=total)
            for source, total in sorted(board.by_source.items(), key=lambda item: -item[1])
        ],
        top_earners=[
            TopEarner(customer_id=global_id("Customer", customer), points=total)
            for customer, total in board.top_earners
        ],
    )


async def point_program(store_id: int) -> PointProgram:
    return PointProgram.from_model(await points.program_of(store_id))


@strawberry.input
class UpdatePointProgramInput:
    store_id: relay.GlobalID
    earn_rate_bp: int | None = strawberry.UNSET
    rounding: Rounding | None = strawberry.UNSET
    minimum_order: int | None = strawberry.UNSET
    signup_points: int | None = strawberry.UNSET
    review_points: int | None = strawberry.UNSET
    referral_points: int | None = strawberry.UNSET
    expiry_months: int | None = strawberry.field(
        default=strawberry.UNSET, description="null: points never expire."
    )
    expiry_notice_days: int | None = strawberry.UNSET


@strawberry.input
class AdjustPointsInput:
    customer_id: relay.GlobalID
    points: int = strawberry.field(
        description="Signed and non-zero: positive adds, negative takes away."
    )
    reason: str
    idempotency_key: str


@strawberry.input
class TransferPointsInput:
    from_customer_id: relay.GlobalID
    to_customer_id: relay.GlobalID
    points: int
    idempotency_key: str


@strawberry.type
class UpdatePointProgramSuccess:
    program: PointProgram


@strawberry.type
class AdjustPointsSuccess:
    entry: PointEntry
    balance: int = strawberry.field(description="The balance right after this adjustment.")


@strawberry.type
class TransferPointsSuccess:
    sent: PointEntry
    received: PointEntry


UpdatePointProgramResult = result(
    "UpdatePointProgramResult",
    UpdatePointProgramSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
AdjustPointsResult = result(
    "AdjustPointsResult",
    AdjustPointsSuccess,
    errors.InsufficientPoints,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)
TransferPointsResult = result(
    "TransferPointsResult",
    TransferPointsSuccess,
    errors.InsufficientPoints,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)

_FIELDS = (
    "earn_rate_bp",
    "rounding",
    "minimum_order",
    "signup_points",
    "review_points",
    "referral_points",
    "expiry_months",
    "expiry_notice_days",
)


def _changes(input: UpdatePointProgramInput) -> points.ProgramChanges:
    given = {
        name: getattr(input, name)
        for name in _FIELDS
        if getattr(input, name) is not strawberry.UNSET
    }
    for name, value in given.items():
        if value is None and name != "expiry_months":
            raise InvalidInput(f"{name} cannot be null.", field=name)
    clear = "expiry_months" in given and given["expiry_months"] is None
    return points.ProgramChanges(
        **{k: v for k, v in given.items() if v is not None}, clear_expiry=clear
    )


def _customer(value: relay.GlobalID, field: str) -> int:
    try:
        return decode_id(value, "Customer")
    except Absent as exc:
        raise NotFoundError("No such customer.", field=field) from exc


async def _entries(ids: list[int]) -> list[PointEntry]:
    found = {row.id: row for row in await PointEntryModel.filter(id__in=ids)}
    return [PointEntry.from_model(found[pk]) for pk in ids]


@strawberry.type
class Mutation:
    @mutation(
        "points.program.update",
        store=store_id_at("input.store_id"),
        absent="store",
        result=UpdatePointProgramResult,
    )
    async def update_point_program(
        self, info: Info, input: UpdatePointProgramInput
    ) -> UpdatePointProgramSuccess:
        program = await points.update_program(
            info.context, store_id=decode_id(input.store_id, "Store"), changes=_changes(input)
        )
        return UpdatePointProgramSuccess(program=PointProgram.from_model(program))

    @mutation(
        "points.adjust",
        result=AdjustPointsResult,
        store=owner_store_of("input.customer_id", CustomerModel, "Customer"),
        absent="customer",
    )
    async def adjust_points(self, info: Info, input: AdjustPointsInput) -> AdjustPointsSuccess:
        entry_id = await points.adjust_points(
            info.context,
            customer_id=_customer(input.customer_id, "customerId"),
            points=input.points,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        (entry,) = await _entries([entry_id])
        return AdjustPointsSuccess(entry=entry, balance=entry.balance_after)

    @mutation(
        "points.transfer",
        result=TransferPointsResult,
        store=owner_store_of("input.from_customer_id", CustomerModel, "Customer"),
        absent="customer",
    )
    async def transfer_points(
        self, info: Info, input: TransferPointsInput
    ) -> TransferPointsSuccess:
        ids = await points.transfer_points(
            info.context,
            from_customer_id=_customer(input.from_customer_id, "fromCustomerId"),
            to_customer_id=_customer(input.to_customer_id, "toCustomerId"),
            points=input.points,
            idempotency_key=input.idempotency_key,
        )
        sent, received = await _entries(ids)
        return TransferPointsSuccess(sent=sent, received=received)


@strawberry.type
class StorePoints(StoreProfile):
    @query("points.read", store=source_store())
    async def point_program(self, info: Info) -> PointProgram:

        return await point_program(self.id)

    @query("points.dashboard", store=source_store())
    async def points_dashboard(
        self,
        info: Info,
        period: PointsPeriodInput,
        top: int = 10,
    ) -> PointsDashboard:

        return await points_dashboard(self.id, period, top)


@strawberry.type
class CustomerPoints(CustomerProfile):
    @query("points.read", store=customer_store)
    async def points_balance(self, info: Info) -> int:
        balance: int = await info.context.loaders.batch(point_queries.balances).load(self.id)
        return balance

    @query(
        "points.read",
        store=customer_store,
        description=(
            "Points taken back by refunds that the balance could not cover (spent or given away "
            "before the refund); the customer's next earnings settle them first."
        ),
    )
    async def points_owed(self, info: Info) -> int:
        owed: int = await info.context.loaders.batch(point_queries.owed).load(self.id)
        return owed

    @query("points.read", store=customer_store)
    async def points_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> PointEntryConnection:

        return await history_connection(self.id, first, after)
