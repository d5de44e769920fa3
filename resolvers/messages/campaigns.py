"""Campaigns (G3): a template sent to an audience now or at a time of the store's choosing.

Creating a campaign chooses its recipients (customers of the audience who accept
marketing messages), sets a random holdout share aside (not sent, the baseline of its
effect), reserves the recipients against the month's quota and records one delivery per
customer, all in one transaction under the idempotency key. At its time, ``dispatch``
queues the deliveries in the outbox (the ``messages.run`` job does it for scheduled
campaigns); until then the campaign can be cancelled and its quota is given back.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.functions import Count

from core.context import Context
from core.database import insert_rows, write_transaction
from core.errors import InvalidInput, NotFound, PlanUpgradeRequired
from models.coupons import Coupon, CouponTemplate, CouponTrigger
from models.customers import Customer
from models.messages import (
    CampaignStatus,
    DeliveryStatus,
    MessageCampaign,
    MessageChannel,
    MessageDelivery,
)
from models.notifications import NotificationKind
from models.stores import Plan, Store
from resolvers import audit, idempotency
from resolvers.alerts import raise_alert
from resolvers.messages import audiences, quota
from resolvers.messages.audiences import Audience
from resolvers.messages.delivery import queue_in_outbox
from resolvers.messages.errors import CampaignNotCancellable
from resolvers.messages.templates import check_fillable, template_of

BATCH = 1000
MAX_HOLDOUT_PERCENT = 50
MAX_ATTRIBUTION_DAYS = 90
DEFAULT_ATTRIBUTION_DAYS = 7
MAX_SCHEDULE_AHEAD = timedelta(days=365)
PAST_TOLERANCE = timedelta(minutes=5)


@dataclass(frozen=True)
class CampaignRequest:
    store_id: int
    template_id: int
    audience: Audience
    channel: MessageChannel
    idempotency_key: str
    send_at: datetime | None = None
    name: str | None = None
    holdout_percent: int = 0
    attribution_days: int = DEFAULT_ATTRIBUTION_DAYS
    coupon_template_id: int | None = None


def as_utc(send_at: datetime | None, time_zone: str) -> datetime | None:
    """``send_at`` in UTC; a time without an offset is a time of the store's time zone."""
    if send_at is None:
        return None
    if send_at.tzinfo is None:
        send_at = send_at.replace(tzinfo=ZoneInfo(time_zone))
    return send_at.astimezone(UTC)


def check_send_time(moment: datetime | None, now: datetime) -> datetime:
    """When the campaign goes out: now, or a time at most a year ahead."""
    if moment is None:
        return now
    if moment < now - PAST_TOLERANCE:
        raise InvalidInput("The send time has passed; leave it out to send now.", field="send_at")
    if moment > now + MAX_SCHEDULE_AHEAD:
        raise InvalidInput("A campaign is scheduled at most a year ahead.", field="send_at")
    return max(moment, now)


def split_holdout(customer_ids: list[int], percent: int, seed: str) -> tuple[list[int], set[int]]:
    """(sent, held out): ``percent`` of the customers, drawn at random, are held out."""
    count = len(customer_ids) * percent // 100
    held = set(random.Random(seed).sample(customer_ids, count)) if count else set()
    return [pk for pk in customer_ids if pk not in held], held


async def _check(request: CampaignRequest, store: Store) -> tuple[Audience, CouponTemplate | None]:
    template = await template_of(store.id, request.template_id)
    if template is None:
        raise NotFound("No such message template.", field="template_id")
    coupon = None
    if request.coupon_template_id is not None:
        coupon = await CouponTemplate.get_or_none(
            id=request.coupon_template_id, store_id=store.id, is_active=True
        )
        if coupon is None:
            raise NotFound("No such active coupon template.", field="coupon_template_id")
    check_fillable(template, {"couponName"} if coupon else ())
    if not 0 <= request.holdout_percent <= MAX_HOLDOUT_PERCENT:
        raise InvalidInput(
            f"The holdout share is 0 to {MAX_HOLDOUT_PERCENT} percent.", field="holdout_percent"
        )
    if not 1 <= request.attribution_days <= MAX_ATTRIBUTION_DAYS:
        raise InvalidInput(
            f"Attribution lasts 1 to {MAX_ATTRIBUTION_DAYS} days.", field="attribution_days"
        )
    if request.name is not None and not 1 <= len(request.name.strip()) <= 100:
        raise InvalidInput("A name of 1 to 100 characters is needed.", field="name")
    audience = await audiences.check(store.id, request.audience)
    if audience.insight_key is not None and not store.plan.includes(Plan.PREMIUM):
        raise PlanUpgradeRequired(
            "An insight audience needs the PREMIUM plan.", required_plan=Plan.PREMIUM.value
        )
    return audience, coupon


async def create_campaign(
    ctx: Context, request: CampaignRequest, *, now: datetime | None = None
) -> MessageCampaign:
    now = now or datetime.now(UTC)
    store = await Store.get(id=request.store_id)
    idempotency.check_key(request.idempotency_key)
    audience, coupon = await _check(request, store)
    requested_at = as_utc(request.send_at, store.time_zone)
    template = await template_of(store.id, request.template_id)
    assert template is not None
    principal = await ctx.principal()
    digest = {
        "template": request.template_id,
        "audience": audience.as_json(),
        "channel": request.channel.value,
        "send_at": None if requested_at is None else requested_at.isoformat(),
        "name": request.name,
        "holdout": request.holdout_percent,
        "attribution_days": request.attribution_days,
        "coupon": request.coupon_template_id,
    }

    async def execute() -> idempotency.Result:
        send_at = check_send_time(requested_at, now)
        customer_ids = await audiences.reachable_ids(ctx, store.id, audience)
        if not customer_ids:
            raise InvalidInput(
                "Nobody in this audience accepts marketing messages.", field="audience"
            )
        seed = f"{store.id}:{request.idempotency_key}"
        sent, held = split_holdout(customer_ids, request.holdout_percent, seed)
        month = quota.month_of(send_at, store.time_zone)
        await quota.reserve(store, month, len(sent))
        campaign = await MessageCampaign.create(
            store_id=store.id,
            template_id=template.id,
            coupon_template_id=coupon.id if coupon else None,
            name=(request.name or template.name).strip(),
            channel=request.channel,
            audience=audience.as_json(),
            send_at=send_at,
            quota_month=month,
            recipient_count=len(sent),
            holdout_count=len(held),
            holdout_percent=request.holdout_percent,
            attribution_days=request.attribution_days,
            created_by_account_id=principal.account_id,
        )
        await _record_deliveries(campaign, customer_ids, held)
        await audit.record(
            ctx,
            store_id=store.id,
            action="messages.campaign.create",
            target_type="message_campaign",
            target_id=campaign.id,
            after={**digest, "recipients": len(sent), "held_out": len(held), "month": month},
        )
        return {"campaign_id": campaign.id, "send_at": send_at.isoformat()}

    result = await idempotency.run_once(
        store_id=store.id,
        operation="messages.campaign.create",
        key=request.idempotency_key,
        request=digest,
        execute=execute,
    )
    campaign_id = int(result["campaign_id"])
    if datetime.fromisoformat(result["send_at"]) <= now:
        await dispatch(ctx, campaign_id, now)
    return await MessageCampaign.get(id=campaign_id)


DELIVERY_COLUMNS = (
    "store_id",
    "customer_id",
    "campaign_id",
    "template_id",
    "channel",
    "marketing",
    "status",
    "context",
    "attempts",
    "scheduled_at",
    "created_at",
)


async def _record_deliveries(
    campaign: MessageCampaign, customer_ids: list[int], held: set[int]
) -> None:
    now = datetime.now(UTC)
    scheduled, held_out = DeliveryStatus.SCHEDULED.value, DeliveryStatus.HELD_OUT.value
    store_id, campaign_id, channel = campaign.store_id, campaign.id, campaign.channel.value
    for start in range(0, len(customer_ids), BATCH * 10):
        await insert_rows(
            MessageDelivery._meta.db_table,
            DELIVERY_COLUMNS,
            [
                (
                    store_id,
                    pk,
                    campaign_id,
                    campaign.template_id,
                    channel,
                    True,
                    held_out if pk in held else scheduled,
                    "{}",
                    0,
                    campaign.send_at,
                    now,
                )
                for pk in customer_ids[start : start + BATCH * 10]
            ],
        )


async def dispatch(ctx: Context, campaign_id: int, now: datetime) -> int:
    """Queue a due campaign's deliveries in the outbox; returns how many were queued.
    Customers who withdrew their consent since the campaign was made are left out."""
    async with write_transaction():
        claimed = await MessageCampaign.filter(
            id=campaign_id, status=CampaignStatus.SCHEDULED, send_at__lte=now
        ).update(status=CampaignStatus.SENDING, dispatched_at=now)
        if not claimed:
            return 0
        campaign = await MessageCampaign.get(id=campaign_id)
        pending = await MessageDelivery.filter(
            campaign_id=campaign_id, status=DeliveryStatus.SCHEDULED
        ).values_list("id", "customer_id")
        consenting = await _consenting({int(customer) for _, customer in pending})
        queued = [(int(pk), int(c)) for pk, c in pending if int(c) in consenting]
        withdrawn = [int(pk) for pk, c in pending if int(c) not in consenting]
        for start in range(0, len(withdrawn), BATCH):
            await MessageDelivery.filter(id__in=withdrawn[start : start + BATCH]).update(
                status=DeliveryStatus.CANCELLED,
                failure_reason="CONSENT_WITHDRAWN",
                failed_at=now,
            )
        await quota.release(campaign.store_id, campaign.quota_month, len(withdrawn))
        await MessageDelivery.filter(
            campaign_id=campaign_id, status=DeliveryStatus.SCHEDULED
        ).update(status=DeliveryStatus.QUEUED, scheduled_at=now)
        await MessageCampaign.filter(id=campaign_id).update(recipient_count=len(queued))
        if campaign.coupon_template_id is not None:
            await _issue_coupons(campaign, [c for _, c in queued], now)
        await queue_in_outbox(campaign.store_id, campaign.channel, queued, now)
        await raise_alert(
            ctx,
            store_id=campaign.store_id,
            kind=NotificationKind.CAMPAIGN_RESULT,
            payload={
                "campaign_id": campaign_id,
                "name": campaign.name,
                "event": "dispatched",
                "recipients": len(queued),
                "held_out": campaign.holdout_count,
                "consent_withdrawn": len(withdrawn),
            },
        )
    return len(queued)


async def _consenting(customer_ids: set[int]) -> set[int]:
    ids = sorted(customer_ids)
    found: set[int] = set()
    for start in range(0, len(ids), BATCH):
        batch: list[Any] = await Customer.filter(
            id__in=ids[start : start + BATCH], marketing_consent=True
        ).values_list("id", flat=True)
        found.update(int(pk) for pk in batch)
    return found


async def _issue_coupons(campaign: MessageCampaign, customer_ids: list[int], now: datetime) -> None:
    template = await CouponTemplate.get(id=campaign.coupon_template_id)
    expires_at = now + timedelta(days=template.valid_days)
    for start in range(0, len(customer_ids), BATCH):
        await Coupon.bulk_create(
            [
                Coupon(
                    store_id=campaign.store_id,
                    template_id=template.id,
                    customer_id=pk,
                    issued_reason=CouponTrigger.SEGMENT,
                    issued_at=now,
                    expires_at=expires_at,
                )
                for pk in customer_ids[start : start + BATCH]
            ]
        )


async def cancel_campaign(
    ctx: Context, *, campaign_id: int, now: datetime | None = None
) -> MessageCampaign:
    now = now or datetime.now(UTC)
    async with write_transaction():
        campaign = await MessageCampaign.get_or_none(id=campaign_id)
        if campaign is None:
            raise NotFound("No such campaign.", field="campaign_id")
        cancelled = await MessageCampaign.filter(
            id=campaign_id, status=CampaignStatus.SCHEDULED
        ).update(status=CampaignStatus.CANCELLED, cancelled_at=now)
        if not cancelled:
            raise CampaignNotCancellable(
                f"A {campaign.status.value} campaign cannot be cancelled; only a scheduled one.",
                field="campaign_id",
                status=campaign.status,
            )
        dropped = await MessageDelivery.filter(
            campaign_id=campaign_id, status=DeliveryStatus.SCHEDULED
        ).update(
            status=DeliveryStatus.CANCELLED, failure_reason="CAMPAIGN_CANCELLED", failed_at=now
        )
        await quota.release(campaign.store_id, campaign.quota_month, dropped)
        await audit.record(
            ctx,
            store_id=campaign.store_id,
            action="messages.campaign.cancel",
            target_type="message_campaign",
            target_id=campaign_id,
            before={"status": CampaignStatus.SCHEDULED.value, "recipients": dropped},
            after={"status": CampaignStatus.CANCELLED.value},
        )
    return await MessageCampaign.get(id=campaign_id)


async def dispatch_due(ctx: Context, now: datetime) -> int:
    """Queue every scheduled campaign whose time has come (the ``messages.run`` job)."""
    due: list[Any] = (
        await MessageCampaign.filter(status=CampaignStatus.SCHEDULED, send_at__lte=now)
        .order_by("send_at", "id")
        .values_list("id", flat=True)
    )
    queued = 0
    for pk in due:
        queued += await dispatch(ctx, int(pk), now)
    return queued


OPEN_DELIVERY = (DeliveryStatus.SCHEDULED, DeliveryStatus.QUEUED)


async def finish_sent(ctx: Context, now: datetime) -> int:
    """Mark campaigns whose every delivery was tried as SENT, and tell the store how it went."""
    sending = await MessageCampaign.filter(status=CampaignStatus.SENDING).values_list(
        "id", flat=True
    )
    finished = 0
    for campaign_id in sending:
        if await MessageDelivery.exists(campaign_id=campaign_id, status__in=OPEN_DELIVERY):
            continue
        async with write_transaction():
            if not await MessageCampaign.filter(
                id=campaign_id, status=CampaignStatus.SENDING
            ).update(status=CampaignStatus.SENT):
                continue
            campaign = await MessageCampaign.get(id=campaign_id)
            counts = await summary_of(campaign.id)
            await raise_alert(
                ctx,
                store_id=campaign.store_id,
                kind=NotificationKind.CAMPAIGN_RESULT,
                payload={
                    "campaign_id": campaign_id,
                    "name": campaign.name,
                    "event": "sent",
                    **{status.value.lower(): n for status, n in counts.items()},
                },
            )
            finished += 1
    return finished


async def summary_of(campaign_id: int) -> dict[DeliveryStatus, int]:
    """How many of the campaign's deliveries are in each status."""
    return (await summaries_of([campaign_id]))[0]


async def summaries_of(campaign_ids: list[int]) -> list[dict[DeliveryStatus, int]]:
    """``summary_of`` for several campaigns in one statement (a page of campaigns)."""
    rows = (
        await MessageDelivery.filter(campaign_id__in=campaign_ids)
        .annotate(n=Count("id"))
        .group_by("campaign_id", "status")
        .values_list("campaign_id", "status", "n")
    )
    counts = {pk: dict.fromkeys(DeliveryStatus, 0) for pk in campaign_ids}
    for campaign_id, status, n in rows:
        counts[int(campaign_id)][DeliveryStatus(status)] = int(n)
    return [counts[pk] for pk in campaign_ids]


async def campaigns_of(
    store_id: int, *, first: int, before_id: int | None
) -> list[MessageCampaign]:
    """Newest first; one more than asked, to tell whether more exist."""
    query = MessageCampaign.filter(store_id=store_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(first + 1)
