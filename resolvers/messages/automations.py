"""Automations (G4): messages sent by an event or on a schedule, each switched per store with
its template and channel.

Event automations are queued in the transaction of their event (an order becoming READY,
a tier change, a points transfer): a rolled-back event sends nothing, and a key per event
(``dedupe_key``, unique) makes each fire once. They are transactional: no marketing
consent needed, no quota used. The periodic ones are marketing: the dormant win-back
(once per dormancy: a customer gets it again only after a new visit and a new dormancy)
and, on Premium, the audience of an insight (once a month per customer and insight);
both respect consent and take from the monthly quota, stopping when it is used up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.context import Context
from core.database import dialect, write_transaction
from core.errors import InvalidInput, NotFound, PlanUpgradeRequired
from models.customers import Customer
from models.messages import (
    Automation,
    AutomationKind,
    DeliveryStatus,
    MessageChannel,
    MessageDelivery,
)
from models.notifications import NotificationKind
from models.stores import Plan, Store
from resolvers import audit
from resolvers.alerts import raise_alert
from resolvers.customers.segments import Segment, clock, filter_segment, thresholds_of
from resolvers.messages import audiences, quota
from resolvers.messages.delivery import queue_in_outbox
from resolvers.messages.errors import MessageQuotaExceeded
from resolvers.messages.templates import AUTOMATION_EVENT_VARIABLES, check_fillable, template_of

REQUIRED_PLAN = {
    AutomationKind.DORMANT_WINBACK: Plan.PLUS,
    AutomationKind.INSIGHT_AUDIENCE: Plan.PREMIUM,
}
MARKETING = frozenset({AutomationKind.DORMANT_WINBACK, AutomationKind.INSIGHT_AUDIENCE})
MAX_PER_RUN = 1000
UNSET: Any = object()


@dataclass(frozen=True)
class AutomationChange:
    enabled: bool | None = None
    template_id: int | None = UNSET
    channel: MessageChannel | None = None
    insight_key: str | None = UNSET


async def _ensure(store_id: int, kind: AutomationKind) -> None:
    if dialect() == "postgres":
        await Automation.bulk_create(
            [Automation(store_id=store_id, kind=kind)], ignore_conflicts=True
        )
    elif not await Automation.exists(store_id=store_id, kind=kind):
        await Automation.create(store_id=store_id, kind=kind)


def _view(row: Automation) -> dict[str, Any]:
    return {
        "enabled": row.enabled,
        "template_id": row.template_id,
        "channel": row.channel.value,
        "insight_key": row.insight_key,
    }


async def update_automation(
    ctx: Context, *, store_id: int, kind: AutomationKind, change: AutomationChange
) -> Automation:
    store = await Store.get(id=store_id)
    required = REQUIRED_PLAN.get(kind)
    if required is not None and change.enabled and not store.plan.includes(required):
        raise PlanUpgradeRequired(
            f"The {kind.value} automation needs the {required.value} plan.",
            required_plan=required.value,
        )
    if change.template_id is not UNSET and change.template_id is not None:
        template = await template_of(store_id, change.template_id)
        if template is None:
            raise NotFound("No such message template.", field="template_id")
        check_fillable(template, AUTOMATION_EVENT_VARIABLES[kind])
    key = change.insight_key
    if key is not UNSET and key is not None:
        if kind is not AutomationKind.INSIGHT_AUDIENCE:
            raise InvalidInput(
                "Only an insight automation has an insight key.", field="insight_key"
            )
        if not 1 <= len(key.strip()) <= audiences.MAX_INSIGHT_KEY:
            raise InvalidInput("An insight key has 1 to 100 characters.", field="insight_key")
    async with write_transaction():
        await _ensure(store_id, kind)
        before = await Automation.get(store_id=store_id, kind=kind)
        values: dict[str, Any] = {}
        if change.enabled is not None:
            values["enabled"] = change.enabled
        if change.template_id is not UNSET:
            values["template_id"] = change.template_id
        if change.channel is not None:
            values["channel"] = change.channel
        if key is not UNSET:
            values["insight_key"] = key.strip() if key else None
        if values:
            await Automation.filter(id=before.id).update(**values)
        after = await Automation.get(id=before.id)
        if after.enabled and after.template_id is None:
            raise InvalidInput("Choose a template before switching it on.", field="template_id")
        if after.enabled and kind is AutomationKind.INSIGHT_AUDIENCE and not after.insight_key:
            raise InvalidInput("Choose the insight whose audience it targets.", field="insight_key")
        await audit.record(
            ctx,
            store_id=store_id,
            action="messages.automation.update",
            target_type="message_automation",
            target_id=after.id,
            before=_view(before),
            after=_view(after),
        )
    return after


async def automations_of(store_id: int) -> list[Automation]:
    """Every kind, switched off (and unsaved) where the store has not set it up."""
    rows = {row.kind: row for row in await Automation.filter(store_id=store_id)}
    return [rows.get(kind) or Automation(store_id=store_id, kind=kind) for kind in AutomationKind]


async def _active(store_id: int, kind: AutomationKind) -> Automation | None:
    return await Automation.get_or_none(
        store_id=store_id, kind=kind, enabled=True, template_id__isnull=False
    )


async def _queue(
    automation: Automation,
    customer_ids: list[int],
    *,
    at: datetime,
    keys: list[str],
    context: dict[str, Any] | None = None,
) -> int:
    """Record and queue one delivery per customer, in the caller's transaction."""
    deliveries = [
        await MessageDelivery.create(
            store_id=automation.store_id,
            customer_id=customer_id,
            automation=automation.kind,
            template_id=automation.template_id,
            channel=automation.channel,
            marketing=automation.kind in MARKETING,
            status=DeliveryStatus.QUEUED,
            context=context or {},
            dedupe_key=key,
            scheduled_at=at,
        )
        for customer_id, key in zip(customer_ids, keys, strict=True)
    ]
    await queue_in_outbox(
        automation.store_id, automation.channel, [(d.id, d.customer_id) for d in deliveries], at
    )
    return len(deliveries)


async def _fire_once(
    store_id: int,
    kind: AutomationKind,
    customer_id: int | None,
    *,
    key: str,
    at: datetime,
    context: dict[str, Any],
) -> bool:
    if customer_id is None:
        return False
    automation = await _active(store_id, kind)
    if automation is None or await MessageDelivery.exists(dedupe_key=key):
        return False
    await _queue(automation, [customer_id], at=at, keys=[key], context=context)
    return True


# -- event hooks: call them inside the event's transaction --------------------------------------


async def order_ready(
    *, store_id: int, order_id: int, customer_id: int | None, at: datetime
) -> bool:
    """An order reached READY: tell its customer to pick it up."""
    return await _fire_once(
        store_id,
        AutomationKind.ORDER_READY,
        customer_id,
        key=f"order-ready:{order_id}",
        at=at,
        context={"orderNumber": str(order_id)},
    )


async def tier_changed(
    *, store_id: int, customer_id: int, change_id: int, previous_tier: str | None, at: datetime
) -> bool:
    """A customer's tier changed (a TierChange row was written)."""
    return await _fire_once(
        store_id,
        AutomationKind.TIER_CHANGE,
        customer_id,
        key=f"tier-change:{change_id}",
        at=at,
        context={"previousTierName": previous_tier or ""},
    )


async def points_transferred(
    *, store_id: int, transfers: list[tuple[int, int]], points: int, at: datetime
) -> int:
    """Points moved between two customers: both hear of it, as (customer id, ledger entry id)."""
    sent = 0
    for customer_id, entry_id in transfers:
        sent += await _fire_once(
            store_id,
            AutomationKind.POINTS_TRANSFER,
            customer_id,
            key=f"points-transfer:{entry_id}",
            at=at,
            context={"transferPoints": f"{points:,}"},
        )
    return sent


# -- periodic marketing automations (the ``messages.automations`` job) --------------------------


async def _send_marketing(
    ctx: Context,
    automation: Automation,
    store: Store,
    candidates: list[tuple[int, str]],
    *,
    now: datetime,
    alert: NotificationKind,
) -> int:
    """Queue to the candidates (customer id, key) not yet sent to, as far as the quota goes."""
    fresh: list[tuple[int, str]] = []
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        seen = {
            str(key)
            for key in await MessageDelivery.filter(
                dedupe_key__in=[key for _, key in chunk]
            ).values_list("dedupe_key", flat=True)
        }
        fresh += [(pk, key) for pk, key in chunk if key not in seen]
    fresh = fresh[:MAX_PER_RUN]
    if not fresh:
        return 0
    month = quota.month_of(now, store.time_zone)
    async with write_transaction():
        left = (await quota.state(store, month)).remaining
        chosen = fresh[:left]
        try:
            await quota.reserve(store, month, len(chosen))
        except MessageQuotaExceeded:  # a campaign took the rest meanwhile
            chosen = []
        if chosen:
            await _queue(
                automation, [pk for pk, _ in chosen], at=now, keys=[key for _, key in chosen]
            )
        await raise_alert(
            ctx,
            store_id=store.id,
            kind=alert,
            payload={
                "automation": automation.kind.value,
                "sent": len(chosen),
                "over_quota": len(fresh) - len(chosen),
            },
        )
    return len(chosen)


async def _winback_candidates(store: Store, now: datetime) -> list[tuple[int, str]]:
    thresholds = await thresholds_of(store.id)
    dormant = filter_segment(
        Customer.filter(store_id=store.id, marketing_consent=True),
        Segment.DORMANT,
        thresholds,
        clock(thresholds, store.time_zone, now),
    )
    rows = await dormant.order_by("-last_visit_at", "id").values_list("id", "last_visit_at")
    # A dormancy is named by the visit it follows: a new visit starts a new one.
    return [(int(pk), f"winback:{pk}:{int(last.timestamp())}") for pk, last in rows if last]


async def _insight_candidates(store: Store, key: str, now: datetime) -> list[tuple[int, str]]:
    ids = sorted({int(pk) for pk in await audiences.insight_source(store.id, key)})
    month = quota.month_of(now, store.time_zone)
    consenting: list[int] = []
    for start in range(0, len(ids), 1000):
        batch: list[Any] = await Customer.filter(
            id__in=ids[start : start + 1000], store_id=store.id, marketing_consent=True
        ).values_list("id", flat=True)
        consenting += [int(pk) for pk in batch]
    return [(int(pk), f"insight:{key}:{pk}:{month}") for pk in sorted(consenting)]


async def run_periodic(ctx: Context, now: datetime) -> int:
    """Send the due win-backs and insight messages of every store that switched them on."""
    sent = 0
    for automation in await Automation.filter(
        kind__in=list(MARKETING), enabled=True, template_id__isnull=False
    ).order_by("id"):
        store = await Store.get(id=automation.store_id)
        if not store.plan.includes(REQUIRED_PLAN[automation.kind]):
            continue
        if automation.kind is AutomationKind.DORMANT_WINBACK:
            candidates = await _winback_candidates(store, now)
            alert = NotificationKind.DORMANT_CUSTOMERS
        elif automation.insight_key:
            candidates = await _insight_candidates(store, automation.insight_key, now)
            alert = NotificationKind.CAMPAIGN_RESULT
        else:
            continue
        sent += await _send_marketing(ctx, automation, store, candidates, now=now, alert=alert)
    return sent
