"""Demo messages for the first demo store: templates, automations, and a win-back campaign
sent ten days ago with its deliveries and the visits that followed it (so its effect shows)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from core.database import write_transaction
from models.catalogue import Product
from models.customers import Customer
from models.messages import (
    Automation,
    AutomationKind,
    CampaignStatus,
    DeliveryStatus,
    MessageCampaign,
    MessageChannel,
    MessageDelivery,
    MessageQuota,
    MessageTemplate,
)
from models.orders import Order, OrderChannel, OrderLine, OrderStatus
from models.stores import Store
from resolvers.messages.campaigns import split_holdout
from resolvers.messages.quota import month_of
from resolvers.messages.templates import variables_in

WINBACK = "#{name}님, 오랜만이에요! 이번 주 #{storeName}에 오시면 특별 혜택을 드려요."
READY = "#{name}님, 주문하신 메뉴(주문 #{orderNumber})가 준비되었어요. 카운터에서 찾아가세요!"
NOT_ON_KAKAO = "NOT_KAKAO_USER: 카카오톡을 쓰지 않는 번호입니다"


async def _template(store: Store, name: str, body: str, code: str) -> MessageTemplate:
    return await MessageTemplate.create(
        store_id=store.id,
        name=name,
        body=body,
        variables=variables_in(body),
        kakao_template_code=code,
    )


async def _return_visit(store: Store, customer_id: int, product: Product, at: datetime) -> None:
    quantity = 2
    total = product.price * quantity
    order = await Order.create(
        store_id=store.id,
        customer_id=customer_id,
        channel=OrderChannel.IN_STORE,
        status=OrderStatus.COMPLETED,
        subtotal=total,
        total=total,
        completed_at=at,
    )
    await Order.filter(id=order.id).update(created_at=at)
    await OrderLine.create(
        order_id=order.id,
        product_id=product.id,
        product_name=product.name,
        unit_price=product.price,
        quantity=quantity,
        line_total=total,
    )
    customer = await Customer.get(id=customer_id)
    await Customer.filter(id=customer_id).update(
        visit_count=customer.visit_count + 1,
        total_paid=customer.total_paid + total,
        last_visit_at=at,
    )


async def seed_demo_messages(store_name: str, now: datetime | None = None) -> int:
    """Returns the number of deliveries made (0 when the store has messages already)."""
    store = await Store.get_or_none(name=store_name)
    if store is None or await MessageTemplate.exists(store_id=store.id):
        return 0
    now = now or datetime.now(UTC)
    sent_at = now - timedelta(days=10)
    rng = random.Random(7)
    async with write_transaction():
        winback = await _template(store, "휴면 고객 컴백", WINBACK, "DANGOL_WINBACK_01")
        ready = await _template(store, "주문 준비 완료", READY, "DANGOL_READY_01")
        await Automation.create(
            store_id=store.id, kind=AutomationKind.ORDER_READY, enabled=True, template_id=ready.id
        )
        await Automation.create(
            store_id=store.id, kind=AutomationKind.DORMANT_WINBACK, template_id=winback.id
        )
        dormant: list[Any] = await (
            Customer.filter(
                store_id=store.id,
                marketing_consent=True,
                last_visit_at__lt=sent_at - timedelta(days=30),
            )
            .order_by("id")
            .limit(200)
            .values_list("id", flat=True)
        )
        audience = [int(pk) for pk in dormant]
        if not audience:
            return 0
        sent, held = split_holdout(audience, 10, "demo")
        month = month_of(sent_at, store.time_zone)
        campaign = await MessageCampaign.create(
            store_id=store.id,
            template_id=winback.id,
            name="10월 휴면 고객 컴백",
            channel=MessageChannel.ALIMTALK,
            audience={"segment": "DORMANT", "tier_id": None, "tag": None, "insight_key": None},
            status=CampaignStatus.SENT,
            send_at=sent_at,
            dispatched_at=sent_at,
            quota_month=month,
            recipient_count=len(sent),
            holdout_count=len(held),
            holdout_percent=10,
            attribution_days=7,
        )
        rows = []
        for customer_id in audience:
            failed = customer_id not in held and rng.random() < 0.04
            status = (
                DeliveryStatus.HELD_OUT
                if customer_id in held
                else DeliveryStatus.FAILED
                if failed
                else DeliveryStatus.DELIVERED
            )
            reached = status is DeliveryStatus.DELIVERED
            rows.append(
                MessageDelivery(
                    store_id=store.id,
                    customer_id=customer_id,
                    campaign_id=campaign.id,
                    template_id=winback.id,
                    channel=MessageChannel.ALIMTALK,
                    marketing=True,
                    status=status,
                    attempts=0 if status is DeliveryStatus.HELD_OUT else 1,
                    scheduled_at=sent_at,
                    sent_at=sent_at if reached else None,
                    delivered_at=sent_at + timedelta(minutes=1) if reached else None,
                    failed_at=sent_at if failed else None,
                    failure_reason=NOT_ON_KAKAO if failed else None,
                    provider_message_id=f"demo-{customer_id}" if reached else None,
                )
            )
        await MessageDelivery.bulk_create(rows)
        await MessageQuota.create(store_id=store.id, month=month, used=len(sent))
        product = await Product.filter(store_id=store.id, is_archived=False).order_by("id").first()
        if product is not None:
            for row in rows:
                share = 0.1 if row.status is DeliveryStatus.HELD_OUT else 0.25
                if row.status is not DeliveryStatus.FAILED and rng.random() < share:
                    at = sent_at + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 10))
                    await _return_visit(store, row.customer_id, product, at)
    return len(rows)
