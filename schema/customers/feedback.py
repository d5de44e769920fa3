"""Feedback and the alerts it raises."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.scalars import JSON
from strawberry.types import Info

from core import errors
from models.customers import (
    Feedback as FeedbackModel,
    StoreAlert as StoreAlertModel,
)
from resolvers.customers import feedback
from schema.enums import FeedbackCategory, FeedbackChannel
from schema.errors import result
from schema.ids import Absent, decode_id, global_id, payload_of
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class Feedback(relay.Node):
    id: relay.NodeID[int]
    rating: int
    comment: str
    channel: FeedbackChannel
    category: FeedbackCategory
    customer_id: relay.GlobalID | None
    created_at: datetime

    @classmethod
    def from_model(cls, row: FeedbackModel) -> "Feedback":
        return cls(
            id=row.id,
            rating=row.rating,
            comment=row.comment,
            channel=row.channel,
            category=row.category,
            customer_id=global_id("Customer", row.customer_id),
            created_at=row.created_at,
        )


@strawberry.type
class StoreAlert(relay.Node):
    id: relay.NodeID[int]
    kind: str
    payload: JSON = strawberry.field(
        description="The alert's details: camelCase keys, and every id a global id."
    )
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def from_model(cls, row: StoreAlertModel) -> "StoreAlert":
        return cls(
            id=row.id,
            kind=row.kind,
            payload=JSON(payload_of(row.payload)),
            created_at=row.created_at,
            read_at=row.read_at,
        )


@strawberry.type
class FeedbackCategorySummary:
    category: FeedbackCategory
    count: int
    average_rating: float
    negative_count: int = strawberry.field(description="ratings of 2 or less")


async def feedback_summary(store_id: int, since: datetime | None) -> list[FeedbackCategorySummary]:
    return [FeedbackCategorySummary(**row) for row in await feedback.summary(store_id, since=since)]


@strawberry.type
class FeedbackConnection(Connection[Feedback]):
    pass


@strawberry.type
class StoreAlertConnection(Connection[StoreAlert]):
    pass


def _before(after: str | None) -> int | None:
    cursor = decode_cursor(after, (int,))
    return None if cursor is None else cursor[0]


async def feedback_connection(
    store_id: int, first: int | None, after: str | None, max_rating: int | None
) -> FeedbackConnection:
    size, before = page_size(first), _before(after)
    rows = await feedback.feedback_page(
        store_id, size=size, before_id=before, max_rating=max_rating
    )
    return connection(
        FeedbackConnection,
        rows,
        size,
        key=lambda r: [r.id],
        node=Feedback.from_model,
        has_previous=before is not None,
        total=feedback.feedback_query(store_id, max_rating=max_rating).count,
    )


async def alert_connection(
    info: Info, store_id: int, first: int | None, after: str | None, unread_only: bool
) -> StoreAlertConnection:
    size, before = page_size(first), _before(after)
    rows = await feedback.alerts_page(
        info.context, store_id, size=size, before_id=before, unread_only=unread_only
    )
    return connection(
        StoreAlertConnection,
        rows,
        size,
        key=lambda r: [r.id],
        node=StoreAlert.from_model,
        has_previous=before is not None,
        total=lambda: feedback.alerts_count(info.context, store_id, unread_only=unread_only),
    )


@strawberry.input
class SubmitFeedbackInput:
    store_id: relay.GlobalID
    rating: int
    channel: FeedbackChannel
    category: FeedbackCategory
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first submission."
    )
    comment: str = ""
    customer_id: relay.GlobalID | None = None


@strawberry.type
class SubmitFeedbackSuccess:
    feedback: Feedback
    alerts_raised: int


@strawberry.input
class MarkAlertsReadInput:
    store_id: relay.GlobalID
    alert_ids: list[relay.GlobalID]


@strawberry.type
class MarkAlertsReadSuccess:
    marked: int


SubmitFeedbackResult = result(
    "SubmitFeedbackResult",
    SubmitFeedbackSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)
MarkAlertsReadResult = result(
    "MarkAlertsReadResult",
    MarkAlertsReadSuccess,
    errors.InvalidInput,
    errors.NotFound,
)


def _optional_pk(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise errors.NotFound(f"No such {type_name.lower()}.", field=field) from exc


@strawberry.type
class Mutation:
    @mutation(
        "feedback.create",
        store=store_id_at("input.store_id"),
        absent="store",
        result=SubmitFeedbackResult,
    )
    async def submit_feedback(
        self, info: Info, input: SubmitFeedbackInput
    ) -> SubmitFeedbackSuccess:
        row, alerts = await feedback.submit(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            customer_id=_optional_pk(input.customer_id, "Customer", "customerId"),
            rating=input.rating,
            comment=input.comment,
            channel=input.channel,
            category=input.category,
            idempotency_key=input.idempotency_key,
        )
        return SubmitFeedbackSuccess(feedback=Feedback.from_model(row), alerts_raised=alerts)

    @mutation(
        "store.read",
        store=store_id_at("input.store_id"),
        absent="store",
        result=MarkAlertsReadResult,
    )
    async def mark_alerts_read(
        self, info: Info, input: MarkAlertsReadInput
    ) -> MarkAlertsReadSuccess:
        ids = [_optional_pk(value, "StoreAlert", "alertIds") or 0 for value in input.alert_ids]
        marked = await feedback.mark_read(
            info.context, store_id=decode_id(input.store_id, "Store"), alert_ids=ids
        )
        return MarkAlertsReadSuccess(marked=marked)


@strawberry.type
class StoreFeedback(StoreProfile):
    @query("feedback.read", store=source_store(), description="Feedback per category since a time.")
    async def feedback_summary(
        self, info: Info, since: datetime | None = None
    ) -> list[FeedbackCategorySummary]:

        return await feedback_summary(self.id, since)

    @query("feedback.read", store=source_store())
    async def feedback(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        max_rating: int | None = None,
    ) -> FeedbackConnection:

        return await feedback_connection(self.id, first, after, max_rating)

    @query(
        "store.read",
        store=source_store(),
        description="Alerts addressed to the caller in this store.",
    )
    async def alerts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: bool = False,
    ) -> StoreAlertConnection:

        return await alert_connection(info, self.id, first, after, unread_only)
