"""Monthly statements (H1, H2): drafted by one function for the statement and for the forecast.

``draft`` computes a store's lines for a period: cup-holder cost and incentives per
campaign (usage recorded in the period), the plan's subscription fee, and every
adjustment not yet carried by a statement. ``expected`` runs it on the month so far;
``issue`` runs it on a closed month and stores the result, once: the unique
(store, period) makes a second run, in this process or another, a no-op.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.functions import Max

from core.database import write_transaction
from models.campaigns import CupHolderCampaign
from models.settlements import Settlement, SettlementAdjustment, SettlementLine, SettlementLineKind
from models.stores import Plan, Store
from resolvers.campaigns import usage_totals
from resolvers.settlements.periods import (
    Period,
    current_month,
    dispute_closes_at,
    month_of,
    previous_month,
)

logger = logging.getLogger("dangol.settlements")

SUBSCRIPTION_FEE: dict[Plan, int] = {Plan.BASIC: 0, Plan.PLUS: 19_900, Plan.PREMIUM: 49_900}
CATCH_UP_MONTHS = 12
PLAN_NAMES = {Plan.BASIC: "베이직", Plan.PLUS: "플러스", Plan.PREMIUM: "프리미엄"}


@dataclass(frozen=True)
class DraftLine:
    kind: SettlementLineKind
    description: str
    amount: int
    quantity: int = 0
    unit_amount: int = 0
    campaign_id: int | None = None
    adjustment_id: int | None = None


@dataclass
class Draft:
    store_id: int
    period: Period
    plan: Plan
    lines: list[DraftLine] = field(default_factory=list)

    def total(self, kind: SettlementLineKind) -> int:
        return sum(line.amount for line in self.lines if line.kind == kind)

    @property
    def cup_holder_cost(self) -> int:
        return self.total(SettlementLineKind.CUP_HOLDER)

    @property
    def subscription_fee(self) -> int:
        return self.total(SettlementLineKind.SUBSCRIPTION)

    @property
    def incentives(self) -> int:
        """Earned by the store: a positive number, carried as negative lines."""
        return -self.total(SettlementLineKind.INCENTIVE)

    @property
    def adjustments(self) -> int:
        return self.total(SettlementLineKind.ADJUSTMENT)

    @property
    def net_amount(self) -> int:
        """> 0: the store pays the platform; < 0: the platform pays the store."""
        return sum(line.amount for line in self.lines)

    @property
    def adjustment_ids(self) -> list[int]:
        return [line.adjustment_id for line in self.lines if line.adjustment_id is not None]


def tax_invoice_ref(store_id: int, period: Period) -> str:
    return f"DGL-{period.start:%Y%m}-{store_id:06d}"


async def draft(store: Store, period: Period, *, adjustments_before: datetime) -> Draft:
    """The statement of ``store`` for ``period``, with the open adjustments made before the time."""
    result = Draft(store_id=store.id, period=period, plan=store.plan)
    totals = await usage_totals(store_id=store.id, start=period.starts_at, end=period.ends_at)
    campaigns = {
        c.id: c for c in await CupHolderCampaign.filter(id__in=[t.campaign_id for t in totals])
    }
    for total in totals:
        campaign = campaigns[total.campaign_id]
        if total.units or total.cost:
            result.lines.append(
                DraftLine(
                    kind=SettlementLineKind.CUP_HOLDER,
                    description=(
                        f"{campaign.name}: {campaign.supply_item} {total.units}{campaign.unit}"
                    ),
                    amount=total.cost,
                    quantity=total.units,
                    unit_amount=total.cost // total.units
                    if total.units and total.cost % total.units == 0
                    else 0,
                    campaign_id=campaign.id,
                )
            )
        if total.incentive:
            result.lines.append(
                DraftLine(
                    kind=SettlementLineKind.INCENTIVE,
                    description=f"{campaign.name}: 플래티넘 인센티브",
                    amount=-total.incentive,
                    quantity=total.units,
                    unit_amount=-campaign.incentive_per_unit,
                    campaign_id=campaign.id,
                )
            )
    fee = SUBSCRIPTION_FEE[store.plan]
    result.lines.append(
        DraftLine(
            kind=SettlementLineKind.SUBSCRIPTION,
            description=f"{PLAN_NAMES[store.plan]} 플랜 월 구독료",
            amount=fee,
            quantity=1,
            unit_amount=fee,
        )
    )
    for adjustment in await SettlementAdjustment.filter(
        store_id=store.id, settlement_id=None, created_at__lt=adjustments_before
    ).order_by("id"):
        result.lines.append(
            DraftLine(
                kind=SettlementLineKind.ADJUSTMENT,
                description=f"조정: {adjustment.reason}"[:300],
                amount=adjustment.amount,
                adjustment_id=adjustment.id,
            )
        )
    return result


async def expected(store_id: int, *, now: datetime | None = None) -> Draft | None:
    """The current month so far, computed as its statement will be."""
    store = await Store.get_or_none(id=store_id)
    if store is None:
        return None
    at = now or datetime.now(UTC)
    return await draft(store, current_month(at, store.time_zone), adjustments_before=at)


async def issue(store: Store, period: Period, *, now: datetime) -> Settlement | None:
    """Issue the statement of a closed period once; None when it already exists."""
    if now < period.ends_at:
        raise ValueError("a period is issued once it has ended")
    try:
        async with write_transaction():
            if await Settlement.exists(store_id=store.id, period_start=period.start):
                return None
            found = await draft(store, period, adjustments_before=period.ends_at)
            settlement = await Settlement.create(
                store_id=store.id,
                period_start=period.start,
                period_end=period.end,
                starts_at=period.starts_at,
                ends_at=period.ends_at,
                plan=found.plan.value,
                cup_holder_cost=found.cup_holder_cost,
                subscription_fee=found.subscription_fee,
                incentives=found.incentives,
                adjustments=found.adjustments,
                net_amount=found.net_amount,
                tax_invoice_ref=tax_invoice_ref(store.id, period),
                issued_at=now,
                processing_date=period.processing_date,
                payout_date=period.payout_date,
                dispute_closes_at=dispute_closes_at(now, store.time_zone),
            )
            await SettlementLine.bulk_create(
                [
                    SettlementLine(
                        settlement_id=settlement.id,
                        position=position,
                        kind=line.kind,
                        description=line.description,
                        campaign_id=line.campaign_id,
                        quantity=line.quantity,
                        unit_amount=line.unit_amount,
                        amount=line.amount,
                        adjustment_id=line.adjustment_id,
                    )
                    for position, line in enumerate(found.lines, start=1)
                ]
            )
            if found.adjustment_ids:
                await SettlementAdjustment.filter(
                    id__in=found.adjustment_ids, settlement_id=None
                ).update(settlement_id=settlement.id)
            return settlement
    except IntegrityError:
        # Another process issued it first (its unique (store, period) row won).
        if await Settlement.exists(store_id=store.id, period_start=period.start):
            return None
        raise


def due_periods(store: Store, last_issued: date | None, now: datetime) -> list[Period]:
    """The closed months of ``store`` without a statement, oldest first: from the month after
    its last statement (or the month it opened) to the month that just ended, at most
    ``CATCH_UP_MONTHS`` of them (a job that was down for a while catches up)."""
    closed = previous_month(now, store.time_zone)
    opened = month_of(
        store.created_at.astimezone(ZoneInfo(store.time_zone)).date(), store.time_zone
    )
    first = opened if last_issued is None else month_of(last_issued, store.time_zone).following
    periods: list[Period] = []
    period = first
    while period.start <= closed.start and len(periods) < CATCH_UP_MONTHS:
        periods.append(period)
        period = period.following
    return periods


async def close_months(now: datetime) -> int:
    """The month-close job: issue each store's statements of the months that have ended in its
    time zone and have none yet. Safe to run twice or in two processes (one statement per store
    and month, by a unique key)."""
    issued = 0
    stores = await Store.all().order_by("id")
    last = {
        int(row["store_id"]): row["last"]
        for row in await Settlement.annotate(last=Max("period_start"))
        .group_by("store_id")
        .values("store_id", "last")
    }
    for store in stores:
        for period in due_periods(store, last.get(store.id), now):
            if await issue(store, period, now=now) is not None:
                issued += 1
    if issued:
        logger.info("issued %d statements", issued)
    return issued
