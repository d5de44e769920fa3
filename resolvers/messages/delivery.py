"""Delivery: the outbox hands each queued message to its channel's sender, which renders it for
its one recipient and gives it to the provider; the provider's reports then say whether it
arrived.

A delivery moves QUEUED → SENT → DELIVERED, or to FAILED with the provider's reason. A
retryable failure is raised back to the outbox, which tries again with backoff; a final
one (or the last allowed attempt) fails the delivery. Rendering opens only the
recipient's own name and phone, and neither is written to the outbox or to a log.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from core.messaging import MessageProvider, OutgoingMessage, ProviderError
from core.senders import Senders
from core.settings import Settings
from models.coupons import CouponTemplate
from models.customers import Customer
from models.messages import (
    DeliveryStatus,
    MessageCampaign,
    MessageChannel,
    MessageDelivery,
    MessageTemplate,
)
from models.outbox import OutboxMessage
from models.points import PointBalance
from models.rewards import StampBalance
from models.stores import Store
from models.tiers import CustomerTier, Tier
from resolvers import outbox
from resolvers.messages import quota
from resolvers.messages.templates import render
from resolvers.pii import NAME, PHONE, PiiKeys, keys_for

logger = logging.getLogger("dangol.messages")
OUTBOX_KIND = "message"
REPORT_BATCH = 500
REPORT_AFTER = timedelta(seconds=10)


async def recipient_values(
    keys: PiiKeys, customer: Customer, store: Store
) -> tuple[str, dict[str, str]]:
    """(phone, the values of the recipient's and the store's variables): this customer only."""
    sealed = {
        "version": customer.key_version,
        "store_id": customer.store_id,  # type: ignore[attr-defined]
        "customer_id": customer.id,
    }
    name = keys.open(customer.name_encrypted, field_name=NAME, **sealed)
    phone = keys.open(customer.phone_encrypted, field_name=PHONE, **sealed)
    balance = await PointBalance.filter(customer_id=customer.id).values_list("balance", flat=True)
    stamps = await StampBalance.filter(customer_id=customer.id).values_list("stamps", flat=True)
    held = await CustomerTier.filter(customer_id=customer.id).values_list("tier_id", flat=True)
    tier_names = (
        await Tier.filter(id=held[0], is_deleted=False).values_list("name", flat=True)
        if held and held[0]
        else []
    )
    last_visit = (
        customer.last_visit_at.astimezone(ZoneInfo(store.time_zone)).date().isoformat()
        if customer.last_visit_at
        else ""
    )
    return phone, {
        "storeName": store.name,
        "storePhone": store.phone,
        "storeAddress": store.address,
        "name": name,
        "points": f"{int(balance[0]) if balance else 0:,}",
        "stamps": str(int(stamps[0]) if stamps else 0),
        "tierName": str(tier_names[0]) if tier_names else "",
        "lastVisitDate": last_visit,
    }


async def _event_values(delivery: MessageDelivery) -> dict[str, str]:
    values = {str(k): str(v) for k, v in (delivery.context or {}).items()}
    if delivery.campaign_id is not None:
        coupon = await MessageCampaign.filter(id=delivery.campaign_id).values_list(
            "coupon_template_id", flat=True
        )
        if coupon and coupon[0]:
            names = await CouponTemplate.filter(id=coupon[0]).values_list("name", flat=True)
            values["couponName"] = str(names[0]) if names else ""
    return values


async def queue_in_outbox(
    store_id: int, channel: MessageChannel, deliveries: list[tuple[int, int]], at: datetime
) -> None:
    """One outbox message per (delivery id, customer id), in the caller's transaction; the
    payload names only the delivery, and the channel's sender renders it when it sends."""
    await outbox.enqueue_many(
        store_id=store_id,
        kind=OUTBOX_KIND,
        messages=[
            (customer_id, {"channel": channel.value, "delivery_id": delivery_id})
            for delivery_id, customer_id in deliveries
        ],
        available_at=at,
    )


@dataclass(frozen=True)
class Rendered:
    to: str
    text: str
    template_code: str | None


async def render_delivery(keys: PiiKeys, delivery: MessageDelivery) -> Rendered:
    template = await MessageTemplate.get(id=delivery.template_id)
    customer = await Customer.get(id=delivery.customer_id)
    store = await Store.get(id=delivery.store_id)
    phone, values = await recipient_values(keys, customer, store)
    values.update(await _event_values(delivery))
    return Rendered(
        to=phone,
        text=render(template.body, values),
        template_code=template.kakao_template_code,
    )


class ChannelSender:
    """The outbox ``Sender`` of the Alimtalk and SMS channels."""

    def __init__(self, provider: MessageProvider, keys: PiiKeys, *, max_attempts: int) -> None:
        self.provider = provider
        self.keys = keys
        self.max_attempts = max_attempts

    async def send(self, message: OutboxMessage) -> None:
        payload: Mapping[str, Any] = message.payload if isinstance(message.payload, Mapping) else {}
        delivery = await MessageDelivery.get_or_none(id=payload.get("delivery_id"))
        if delivery is None or delivery.status != DeliveryStatus.QUEUED:
            return  # cancelled, or already sent by an earlier attempt
        now = datetime.now(UTC)
        if delivery.marketing and not await Customer.exists(
            id=delivery.customer_id, marketing_consent=True
        ):
            await _consent_withdrawn(delivery, now)
            return
        rendered = await render_delivery(self.keys, delivery)
        try:
            accepted = await self.provider.send(
                OutgoingMessage(
                    channel=delivery.channel.value,
                    to=rendered.to,
                    text=rendered.text,
                    reference=f"dangol-{delivery.id}",
                    template_code=rendered.template_code,
                )
            )
        except ProviderError as error:
            again = error.retryable and message.attempts < self.max_attempts
            await MessageDelivery.filter(id=delivery.id, status=DeliveryStatus.QUEUED).update(
                attempts=message.attempts,
                failure_reason=str(error)[:300],
                **({} if again else {"status": DeliveryStatus.FAILED, "failed_at": now}),
            )
            if error.retryable:
                raise  # the outbox tries again later, or records that it gave up
            return
        await MessageDelivery.filter(id=delivery.id, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENT,
            attempts=message.attempts,
            provider_message_id=accepted.provider_message_id,
            sent_at=datetime.now(UTC),
        )


async def _consent_withdrawn(delivery: MessageDelivery, now: datetime) -> None:
    cancelled = await MessageDelivery.filter(id=delivery.id, status=DeliveryStatus.QUEUED).update(
        status=DeliveryStatus.CANCELLED, failure_reason="CONSENT_WITHDRAWN", failed_at=now
    )
    if cancelled:
        store = await Store.get(id=delivery.store_id)
        await quota.release(store.id, quota.month_of(delivery.scheduled_at, store.time_zone), 1)


def register_channels(senders: Senders, provider: MessageProvider, settings: Settings) -> None:
    """Route the outbox's Alimtalk and SMS messages to ``provider``."""
    sender = ChannelSender(provider, keys_for(settings), max_attempts=settings.outbox_max_attempts)
    for channel in MessageChannel:
        senders.register_channel(channel.value, sender)


async def poll_reports(provider: MessageProvider, now: datetime) -> int:
    """Ask the provider what became of sent messages; returns how many were settled."""
    rows = await (
        MessageDelivery.filter(
            status=DeliveryStatus.SENT,
            provider_message_id__isnull=False,
            sent_at__lte=now - REPORT_AFTER,
        )
        .order_by("sent_at", "id")
        .limit(REPORT_BATCH)
        .values_list("id", "provider_message_id")
    )
    if not rows:
        return 0
    by_provider_id = {str(provider_id): int(pk) for pk, provider_id in rows}
    try:
        reports = await provider.reports(list(by_provider_id))
    except ProviderError as error:
        logger.warning("delivery reports unavailable: %s", error)
        return 0
    settled = 0
    for report in reports:
        pk = by_provider_id.get(report.provider_message_id)
        if pk is None:
            continue
        if report.status == "DELIVERED":
            settled += await MessageDelivery.filter(id=pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.DELIVERED, delivered_at=now
            )
        elif report.status == "FAILED":
            settled += await MessageDelivery.filter(id=pk, status=DeliveryStatus.SENT).update(
                status=DeliveryStatus.FAILED,
                failure_reason=(report.reason or "FAILED")[:300],
                failed_at=now,
            )
    return settled
