"""Customers' feedback; a rating of 2 or less alerts the store's owners and managers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.functions import Count, Sum
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotFound
from models.customers import Customer, Feedback, FeedbackCategory, FeedbackChannel, StoreAlert
from models.notifications import NotificationKind
from models.tiers import TierChangeReason
from resolvers import audit, idempotency, points
from resolvers.alerts import raise_alert
from resolvers.tiers import standing

NEGATIVE_AT_MOST = 2
MAX_COMMENT = 2000


async def submit(
    ctx: Context,
    *,
    store_id: int,
    customer_id: int | None,
    rating: int,
    comment: str,
    channel: FeedbackChannel,
    category: FeedbackCategory,
    idempotency_key: str | None = None,
) -> tuple[Feedback, int]:
    """The feedback and the number of alerts it raised; under an idempotency key a retry
    answers the first submission and earns no review points twice."""
    if not 1 <= rating <= 5:
        raise InvalidInput("rating must be between 1 and 5.", field="rating")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(f"A comment has at most {MAX_COMMENT} characters.", field="comment")
    if idempotency_key is not None:
        idempotency.check_key(idempotency_key)
    principal = await ctx.principal()

    async def execute() -> idempotency.Result:
        if customer_id is not None and not await Customer.exists(id=customer_id, store_id=store_id):
            raise NotFound("No such customer.", field="customer_id")
        feedback = await Feedback.create(
            store_id=store_id,
            customer_id=customer_id,
            rating=rating,
            comment=comment,
            channel=channel,
            category=category,
            created_by_account_id=principal.account_id,
            created_by_api_key_id=principal.api_key_id,
        )
        if (
            customer_id is not None
            and comment
            and await points.award_review(ctx, customer_id=customer_id, feedback_id=feedback.id)
        ):
            await standing.reevaluate(
                store_id=store_id,
                customer_id=customer_id,
                at=datetime.now(UTC),
                reason=TierChangeReason.UPGRADE_ON_POINTS,
            )
        alerts: list[StoreAlert] = []
        if rating <= NEGATIVE_AT_MOST:
            payload = {
                "feedback_id": feedback.id,
                "rating": rating,
                "category": category.value,
                "channel": channel.value,
            }
            alerts = await raise_alert(
                ctx, store_id=store_id, kind=NotificationKind.NEGATIVE_FEEDBACK, payload=payload
            )
        await audit.record(
            ctx,
            store_id=store_id,
            action="feedback.create",
            target_type="feedback",
            target_id=feedback.id,
            after={
                "rating": rating,
                "category": category.value,
                "channel": channel.value,
                "alerts": len(alerts),
            },
        )
        return {"feedback_id": feedback.id, "alerts": len(alerts)}

    result = await idempotency.run(
        store_id=store_id,
        operation="feedback.create",
        key=idempotency_key,
        request={
            "customer": customer_id,
            "rating": rating,
            "comment": comment,
            "channel": channel.value,
            "category": category.value,
        },
        execute=execute,
    )
    return await Feedback.get(id=int(result["feedback_id"])), int(result["alerts"])


def feedback_query(store_id: int, *, max_rating: int | None) -> QuerySet[Feedback]:
    query = Feedback.filter(store_id=store_id)
    if max_rating is not None:
        query = query.filter(rating__lte=max_rating)
    return query


async def feedback_page(
    store_id: int, *, size: int, before_id: int | None, max_rating: int | None
) -> list[Feedback]:
    query = feedback_query(store_id, max_rating=max_rating)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


def _alerts_query(store_id: int, account_id: int, *, unread_only: bool) -> QuerySet[StoreAlert]:
    query = StoreAlert.filter(store_id=store_id, recipient_id=account_id)
    return query.filter(read_at__isnull=True) if unread_only else query


async def alerts_count(ctx: Context, store_id: int, *, unread_only: bool) -> int:
    """How many alerts of the store are addressed to the caller."""
    account_id = (await ctx.principal()).account_id
    if account_id is None:
        return 0
    return await _alerts_query(store_id, account_id, unread_only=unread_only).count()


async def alerts_page(
    ctx: Context, store_id: int, *, size: int, before_id: int | None, unread_only: bool
) -> list[StoreAlert]:
    account_id = (await ctx.principal()).account_id
    if account_id is None:
        return []
    query = _alerts_query(store_id, account_id, unread_only=unread_only)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


async def mark_read(ctx: Context, *, store_id: int, alert_ids: list[int]) -> int:
    account_id = (await ctx.principal()).account_id
    async with write_transaction():
        return await StoreAlert.filter(
            id__in=alert_ids, store_id=store_id, recipient_id=account_id, read_at__isnull=True
        ).update(read_at=datetime.now(UTC))


async def summary(store_id: int, *, since: datetime | None) -> list[dict[str, Any]]:
    """Per category: how many, the average rating and how many were negative."""
    query = Feedback.filter(store_id=store_id)
    if since is not None:
        query = query.filter(created_at__gte=since)
    totals = (
        await query.annotate(n=Count("id"), total=Sum("rating"))
        .group_by("category")
        .values("category", "n", "total")
    )
    negative = dict(
        await query.filter(rating__lte=NEGATIVE_AT_MOST)
        .annotate(n=Count("id"))
        .group_by("category")
        .values_list("category", "n")
    )
    return [
        {
            "category": FeedbackCategory(row["category"]),
            "count": int(row["n"]),
            "average_rating": round(int(row["total"]) / int(row["n"]), 2),
            "negative_count": int(negative.get(row["category"], 0)),
        }
        for row in sorted(totals, key=lambda r: r["category"])
    ]
