"""The effect of a campaign (G5): what its recipients did in the N days after its message,
against what its holdout (customers chosen but not sent to) did in the same days.

Attribution: a visit (a completed order), its revenue (what was paid, less refunds) and a
redemption (a reward or a coupon used) belong to the last marketing message the customer
got before it, if that message is at most N days older (N is the campaign's own). So a
later message (another campaign, a win-back) ends this one's window for that customer.
A held-out customer's window starts when the campaign went out, and ends the same way.
Uplift is the recipients' rate (visit rate, revenue or visits per customer) less the
holdout's.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from models.coupons import Coupon
from models.messages import DeliveryStatus, MessageCampaign, MessageDelivery
from models.orders import Order, OrderStatus
from models.rewards import Redemption, RedemptionStatus

CHUNK = 1000
REACHED = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
COUNTED_REDEMPTIONS = (
    RedemptionStatus.PENDING,
    RedemptionStatus.APPROVED,
    RedemptionStatus.APPLIED,
)


@dataclass(frozen=True)
class GroupEffect:
    customers: int = 0
    customers_visiting: int = 0
    visits: int = 0
    revenue: int = 0
    redemptions: int = 0

    @property
    def visit_rate(self) -> float:
        return self.customers_visiting / self.customers if self.customers else 0.0

    @property
    def visits_per_customer(self) -> float:
        return self.visits / self.customers if self.customers else 0.0

    @property
    def revenue_per_customer(self) -> float:
        return self.revenue / self.customers if self.customers else 0.0


@dataclass(frozen=True)
class Uplift:
    visit_rate: float
    visits_per_customer: float
    revenue_per_customer: float
    incremental_visits: float
    incremental_revenue: float


@dataclass(frozen=True)
class CampaignEffect:
    attribution_days: int
    started_at: datetime | None
    sent: GroupEffect
    holdout: GroupEffect | None
    uplift: Uplift | None


def uplift_of(sent: GroupEffect, holdout: GroupEffect) -> Uplift | None:
    if not sent.customers or not holdout.customers:
        return None
    per_visit = sent.visits_per_customer - holdout.visits_per_customer
    per_revenue = sent.revenue_per_customer - holdout.revenue_per_customer
    return Uplift(
        visit_rate=sent.visit_rate - holdout.visit_rate,
        visits_per_customer=per_visit,
        revenue_per_customer=per_revenue,
        incremental_visits=per_visit * sent.customers,
        incremental_revenue=per_revenue * sent.customers,
    )


@dataclass
class _Tally:
    customers: int = 0
    visiting: int = 0
    visits: int = 0
    revenue: int = 0
    redemptions: int = 0

    def frozen(self) -> GroupEffect:
        return GroupEffect(
            self.customers, self.visiting, self.visits, self.revenue, self.redemptions
        )


async def effect_of(campaign: MessageCampaign) -> CampaignEffect:
    days = campaign.attribution_days
    started = campaign.dispatched_at
    sent, held = _Tally(), _Tally()
    if started is None:
        baseline = held.frozen() if campaign.holdout_count else None
        return CampaignEffect(days, None, sent.frozen(), baseline, None)
    rows = await MessageDelivery.filter(
        campaign_id=campaign.id, status__in=[*REACHED, DeliveryStatus.HELD_OUT]
    ).values_list("id", "customer_id", "status", "sent_at")
    starts: dict[int, tuple[int, datetime, bool]] = {}
    for pk, customer_id, status, sent_at in rows:
        held_out = DeliveryStatus(status) is DeliveryStatus.HELD_OUT
        at = started if held_out else (sent_at or started)
        starts[int(customer_id)] = (int(pk), at, held_out)
    customers = sorted(starts)
    for first in range(0, len(customers), CHUNK):
        chunk = customers[first : first + CHUNK]
        windows = await _windows({c: starts[c] for c in chunk}, timedelta(days=days))
        tallies = {c: held if starts[c][2] else sent for c in chunk}
        for tally in tallies.values():
            tally.customers += 1
        await _count(windows, tallies)
    return CampaignEffect(
        days,
        started,
        sent.frozen(),
        held.frozen() if campaign.holdout_count else None,
        uplift_of(sent.frozen(), held.frozen()) if campaign.holdout_count else None,
    )


async def _windows(
    starts: dict[int, tuple[int, datetime, bool]], length: timedelta
) -> dict[int, tuple[datetime, datetime]]:
    """Each customer's window: from the message to N days later or to their next message."""
    lowest = min(at for _, at, _ in starts.values())
    highest = max(at for _, at, _ in starts.values()) + length
    later = await MessageDelivery.filter(
        customer_id__in=list(starts),
        marketing=True,
        status__in=list(REACHED),
        sent_at__gt=lowest,
        sent_at__lt=highest,
    ).values_list("id", "customer_id", "sent_at")
    windows = {c: (at, at + length) for c, (_, at, _) in starts.items()}
    for pk, customer_id, sent_at in later:
        own, at, _ = starts[int(customer_id)]
        start, end = windows[int(customer_id)]
        if int(pk) != own and at < sent_at < end:
            windows[int(customer_id)] = (start, sent_at)
    return windows


def _inside(windows: dict[int, tuple[datetime, datetime]], customer_id: int, at: datetime) -> bool:
    start, end = windows[customer_id]
    return start <= at < end


async def _count(windows: dict[int, tuple[datetime, datetime]], tallies: dict[int, _Tally]) -> None:
    ids = list(windows)
    lowest = min(start for start, _ in windows.values())
    highest = max(end for _, end in windows.values())
    visited: dict[int, int] = defaultdict(int)
    for customer_id, at, total, refunded in await Order.filter(
        customer_id__in=ids,
        status=OrderStatus.COMPLETED,
        completed_at__gte=lowest,
        completed_at__lt=highest,
    ).values_list("customer_id", "completed_at", "total", "refunded_amount"):
        if _inside(windows, int(customer_id), at):
            tally = tallies[int(customer_id)]
            tally.visits += 1
            tally.revenue += int(total) - int(refunded)
            visited[int(customer_id)] += 1
    for customer_id in visited:
        tallies[customer_id].visiting += 1
    used = await Redemption.filter(
        customer_id__in=ids,
        status__in=list(COUNTED_REDEMPTIONS),
        created_at__gte=lowest,
        created_at__lt=highest,
    ).values_list("customer_id", "created_at")
    used += await Coupon.filter(
        customer_id__in=ids, used_at__gte=lowest, used_at__lt=highest
    ).values_list("customer_id", "used_at")
    for customer_id, at in used:
        if at is not None and _inside(windows, int(customer_id), at):
            tallies[int(customer_id)].redemptions += 1
