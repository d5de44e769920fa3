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
from collections.abc import Collection, Mapping
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
from resolvers.messages.templates import VARIABLES, render
from resolvers.pii import NAME, PHONE, PiiKeys, keys_for

logger = logging.getLogger("dangol.messages")
OUTBOX_KIND = "message"
REPORT_BATCH = 500
REPORT_AFTER = timedelta(seconds=10)
CACHED = 1000
ALL_VARIABLES = frozenset(VARIABLES)


@dataclass(frozen=True)
class Rendered:
    to: str
    text: str
    template_code: str | None


async def recipient_values(
    keys: PiiKeys, customer: Customer, store: Store, wanted: Collection[str] = ALL_VARIABLES
) -> tuple[str, dict[str, str]]:
    """(phone, the values of the store's and the recipient's variables among ``wanted``):
    this customer's own data only, read only as far as the template needs it."""
    sealed = {
        "version": customer.key_version,
        "store_id": customer.store_id,
        "customer_id": customer.id,
    }
    phone = keys.open(customer.phone_encrypted, field_name=PHONE, **sealed)
    values = {"storeName": store.name, "storePhone": store.phone, "storeAddress": store.address}
    if "name" in wanted:
        values["name"] = keys.open(customer.name_encrypted, field_name=NAME, **sealed)
    if "points" in wanted:
        found: list[Any] = await PointBalance.filter(customer_id=customer.id).values_list(
            "balance", flat=True
        )
        values["points"] = f"{int(found[0]) if found else 0:,}"
    if "stamps" in wanted:
        held: list[Any] = await StampBalance.filter(customer_id=customer.id).values_list(
            "stamps", flat=True
        )
        values["stamps"] = str(int(held[0]) if held else 0)
    if "tierName" in wanted:
        held = await CustomerTier.filter(customer_id=customer.id).values_list("tier_id", flat=True)
        names = (
            await Tier.filter(id=held[0], is_deleted=False).values_list("name", flat=True)
            if held and held[0]
            else []
        )
        values["tierName"] = str(names[0]) if names else ""
    if "lastVisitDate" in wanted:
        last = customer.last_visit_at
        zone = ZoneInfo(store.time_zone)
        values["lastVisitDate"] = last.astimezone(zone).date().isoformat() if last else ""
    return phone, values


class Renderer:
    """Renders deliveries; keeps what never changes (templates, a campaign's coupon)."""

    def __init__(self, keys: PiiKeys) -> None:
        self.keys = keys
        self._templates: dict[int, MessageTemplate] = {}
        self._coupons: dict[int, str | None] = {}

    async def template(self, template_id: int) -> MessageTemplate:
        found = self._templates.get(template_id)
        if found is None:
            if len(self._templates) > CACHED:
                self._templates.clear()
            found = self._templates[template_id] = await MessageTemplate.get(id=template_id)
        return found

    async def coupon_name(self, campaign_id: int) -> str | None:
        if campaign_id not in self._coupons:
            if len(self._coupons) > CACHED:
                self._coupons.clear()
            coupon = await MessageCampaign.filter(id=campaign_id).values_list(
                "coupon_template_id", flat=True
            )
            names = (
                await CouponTemplate.filter(id=coupon[0]).values_list("name", flat=True)
                if coupon and coupon[0]
                else []
            )
            self._coupons[campaign_id] = str(names[0]) if names else None
        return self._coupons[campaign_id]

    async def render(self, delivery: MessageDelivery, customer: Customer) -> Rendered:
        template = await self.template(delivery.template_id)
        store = await Store.get(id=delivery.store_id)
        phone, values = await recipient_values(self.keys, customer, store, template.variables)
        values.update({str(k): str(v) for k, v in (delivery.context or {}).items()})
        if delivery.campaign_id is not None and "couponName" in template.variables:
            values["couponName"] = await self.coupon_name(delivery.campaign_id) or ""
        return Rendered(
            to=phone, text=render(template.body, values), template_code=template.kakao_template_code
        )


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


class ChannelSender:
    """The outbox ``Sender`` of the Alimtalk and SMS channels."""

    def __init__(self, provider: MessageProvider, keys: PiiKeys, *, max_attempts: int) -> None:
        self.provider = provider
        self.renderer = Renderer(keys)
        self.max_attempts = max_attempts

    async def send(self, message: OutboxMessage) -> None:
        payload: Mapping[str, Any] = message.payload if isinstance(message.payload, Mapping) else {}
        delivery = await MessageDelivery.get_or_none(id=payload.get("delivery_id"))
        if delivery is None or delivery.status != DeliveryStatus.QUEUED:
            return  # cancelled, or already sent by an earlier attempt
        now = datetime.now(UTC)
        customer = await Customer.get(id=delivery.customer_id)
        if delivery.marketing and not customer.marketing_consent:
            await _consent_withdrawn(delivery, now)
            return
        rendered = await self.renderer.render(delivery, customer)
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
