"""What one order, and one customer's visits, add to the rollups: pure functions of raw rows.

The order flow applies the difference between an order's contribution after and before
a change; the rebuild adds up every contribution. Both go through these functions, so
the figures mean the same whichever way they were produced.

Definitions (written once; the schema's descriptions say the same):
- an order counts when it is COMPLETED (a partly refunded order counts, net of the refund;
  a fully refunded one is REFUNDED and counts nowhere but in ``refunded``), on the local
  day and hour of its completion;
- a visit is such an order that names a customer;
- a first visit is the order flagged ``is_first_visit`` (the customer's first completed one);
  it converts when the same customer has another visit within 30 days after it;
- per calendar day, week and month, the visitors are the customers with a visit in it and
  the revisitors those with at least two, each counted on the day of that visit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from models.analytics import SliceDimension as D
from resolvers.analytics.calendar import Unit, local, unit_start

COMPLETED, REFUNDED, CANCELLED = "COMPLETED", "REFUNDED", "CANCELLED"
CONVERSION_WINDOW = timedelta(days=30)
AMOUNT_BANDS = (0, 5_000, 10_000, 15_000, 20_000, 30_000, 50_000, 100_000)

# Keys of a contribution: ("day", day, column), ("slice", dimension, day, key, column),
# ("pair", day, first product, second product).
Key = tuple[object, ...]
Contribution = Counter[Key]


@dataclass(frozen=True)
class Line:
    product_id: int
    quantity: int
    line_total: int


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    customer_id: int | None
    status: str
    total: int
    refunded: int
    is_first_visit: bool
    completed_at: datetime | None
    cancelled_at: datetime | None
    staff_id: int | None
    tier_id: int | None
    lines: tuple[Line, ...] = ()

    def with_state(self, *, status: str, refunded: int) -> OrderFacts:
        return replace(self, status=status, refunded=refunded)


@dataclass(frozen=True)
class Visit:
    order_id: int
    completed_at: datetime
    staff_id: int | None
    is_first_visit: bool

    @property
    def order(self) -> tuple[datetime, int]:
        return (self.completed_at, self.order_id)


def amount_band(amount: int) -> int:
    """The floor of the band an amount falls in."""
    return max(floor for floor in AMOUNT_BANDS if floor <= max(amount, 0))


@lru_cache(maxsize=1 << 17)
def _minute(minute: int, zone: ZoneInfo) -> tuple[date, int]:
    at = datetime.fromtimestamp(minute * 60, zone)
    return at.date(), at.hour


def day_and_hour(at: datetime, zone: ZoneInfo) -> tuple[date, int]:
    """The local day and hour of an instant, cached per minute (the rebuild asks often)."""
    return _minute(int(at.timestamp() // 60), zone)


def order_contribution(
    facts: OrderFacts, zone: ZoneInfo, found: Contribution | None = None
) -> Contribution:
    """What the order adds, into ``found`` when given."""
    found = Counter() if found is None else found
    if facts.status == CANCELLED and facts.cancelled_at is not None:
        found["day", day_and_hour(facts.cancelled_at, zone)[0], "cancelled"] += 1
    if facts.completed_at is None or facts.status not in (COMPLETED, REFUNDED):
        return found
    day, hour = day_and_hour(facts.completed_at, zone)
    found["day", day, "refunded"] += facts.refunded
    if facts.status != COMPLETED:
        return found
    net = facts.total - facts.refunded
    first = facts.is_first_visit and facts.customer_id is not None
    found["day", day, "orders"] += 1
    found["day", day, "sales"] += net
    if facts.customer_id is not None:
        found["day", day, "visits"] += 1
        tier = facts.tier_id or 0
        found["slice", D.TIER, day, tier, "orders"] += 1
        found["slice", D.TIER, day, tier, "sales"] += net
    found["slice", D.HOUR, day, hour, "orders"] += 1
    found["slice", D.HOUR, day, hour, "sales"] += net
    staff = facts.staff_id or 0
    found["slice", D.STAFF, day, staff, "orders"] += 1
    found["slice", D.STAFF, day, staff, "sales"] += net
    products: dict[int, tuple[int, int]] = {}
    for line in facts.lines:
        quantity, total = products.get(line.product_id, (0, 0))
        products[line.product_id] = (quantity + line.quantity, total + line.line_total)
    for product_id, (quantity, total) in products.items():
        found["slice", D.PRODUCT, day, product_id, "orders"] += 1
        found["slice", D.PRODUCT, day, product_id, "quantity"] += quantity
        found["slice", D.PRODUCT, day, product_id, "sales"] += total
    if first:
        found["day", day, "first_visits"] += 1
        found["slice", D.STAFF, day, staff, "first_visits"] += 1
        band = amount_band(net)
        found["slice", D.FIRST_AMOUNT, day, band, "orders"] += 1
        found["slice", D.FIRST_AMOUNT, day, band, "sales"] += net
        ids = sorted(products)
        for product_id in ids:
            found["slice", D.FIRST_PRODUCT, day, product_id, "orders"] += 1
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found["pair", day, a, b] += 1
    return found


@lru_cache(maxsize=1 << 12)
def _instances(day: date) -> tuple[tuple[Unit, date, str, str], ...]:
    """The day's calendar units, with the columns their visitors and revisitors go to."""
    return tuple(
        (
            unit,
            unit_start(day, unit),
            f"{unit.value.lower()}_visitors",
            f"{unit.value.lower()}_revisitors",
        )
        for unit in Unit
    )


def customer_contribution(
    visits: Sequence[Visit],
    zone: ZoneInfo,
    *,
    instances: Iterable[tuple[Unit, date]] | None = None,
    conversion: bool = True,
    found: Contribution | None = None,
) -> Contribution:
    """What a customer's completed visits add: visitors and revisitors per calendar unit, and
    the conversion of their first visit.

    ``instances`` limits the units counted (e.g. the day, week and month an order changed);
    None counts them all. ``visits`` are every completed visit within those units, and every
    one within 30 days after the first visit.
    """
    found = Counter() if found is None else found
    ordered = sorted(visits, key=lambda v: v.order)
    wanted = None if instances is None else set(instances)
    seen: Counter[tuple[Unit, date]] = Counter()
    for visit in ordered:
        day = day_and_hour(visit.completed_at, zone)[0]
        for unit, start, visitors, revisitors in _instances(day):
            instance = (unit, start)
            if wanted is not None and instance not in wanted:
                continue
            seen[instance] += 1
            count = seen[instance]
            if count == 1:
                found["day", day, visitors] += 1
            elif count == 2:
                found["day", day, revisitors] += 1
    if conversion:
        first = next((v for v in ordered if v.is_first_visit), None)
        if first is not None and any(
            first.completed_at < v.completed_at <= first.completed_at + CONVERSION_WINDOW
            for v in ordered
            if v is not first
        ):
            day = day_and_hour(first.completed_at, zone)[0]
            found["day", day, "converted"] += 1
            found["slice", D.STAFF, day, first.staff_id or 0, "converted"] += 1
    return found


def instances_of(at: datetime, zone: ZoneInfo) -> list[tuple[Unit, date]]:
    day = local(at, zone).date()
    return [(unit, unit_start(day, unit)) for unit in Unit]
