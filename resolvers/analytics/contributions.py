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


def order_contribution(facts: OrderFacts, zone: ZoneInfo) -> Contribution:
    found: Contribution = Counter()
    if facts.status == CANCELLED and facts.cancelled_at is not None:
        found["day", local(facts.cancelled_at, zone).date(), "cancelled"] += 1
    if facts.completed_at is None or facts.status not in (COMPLETED, REFUNDED):
        return found
    at = local(facts.completed_at, zone)
    day = at.date()
    found["day", day, "refunded"] += facts.refunded
    if facts.status != COMPLETED:
        return found
    net = facts.total - facts.refunded
    first = facts.is_first_visit and facts.customer_id is not None
    for column, value in (
        ("orders", 1),
        ("sales", net),
        ("visits", int(facts.customer_id is not None)),
        ("first_visits", int(first)),
    ):
        found["day", day, column] += value
    _slice(found, D.HOUR, day, at.hour, orders=1, sales=net)
    _slice(found, D.STAFF, day, facts.staff_id or 0, orders=1, sales=net, first_visits=int(first))
    if facts.customer_id is not None:
        _slice(found, D.TIER, day, facts.tier_id or 0, orders=1, sales=net)
    products: dict[int, tuple[int, int]] = {}
    for line in facts.lines:
        quantity, total = products.get(line.product_id, (0, 0))
        products[line.product_id] = (quantity + line.quantity, total + line.line_total)
    for product_id, (quantity, total) in products.items():
        _slice(found, D.PRODUCT, day, product_id, orders=1, quantity=quantity, sales=total)
    if first:
        _slice(found, D.FIRST_AMOUNT, day, amount_band(net), orders=1, sales=net)
        ids = sorted(products)
        for product_id in ids:
            _slice(found, D.FIRST_PRODUCT, day, product_id, orders=1)
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                found["pair", day, a, b] += 1
    return found


def _slice(found: Contribution, dimension: D, day: date, key: int, **values: int) -> None:
    for column, value in values.items():
        found["slice", dimension, day, key, column] += value


def customer_contribution(
    visits: Sequence[Visit],
    zone: ZoneInfo,
    *,
    instances: Iterable[tuple[Unit, date]] | None = None,
    conversion: bool = True,
) -> Contribution:
    """What a customer's completed visits add: visitors and revisitors per calendar unit, and
    the conversion of their first visit.

    ``instances`` limits the units counted (e.g. the day, week and month an order changed);
    None counts them all. ``visits`` are every completed visit within those units, and every
    one within 30 days after the first visit.
    """
    found: Contribution = Counter()
    ordered = sorted(visits, key=lambda v: v.order)
    wanted = None if instances is None else set(instances)
    seen: Counter[tuple[Unit, date]] = Counter()
    for visit in ordered:
        day = local(visit.completed_at, zone).date()
        for unit in Unit:
            instance = (unit, unit_start(day, unit))
            if wanted is not None and instance not in wanted:
                continue
            seen[instance] += 1
            if seen[instance] <= 2:
                column = "visitors" if seen[instance] == 1 else "revisitors"
                found["day", day, f"{unit.value.lower()}_{column}"] += 1
    if conversion:
        first = next((v for v in ordered if v.is_first_visit), None)
        if first is not None and any(
            first.completed_at < v.completed_at <= first.completed_at + CONVERSION_WINDOW
            for v in ordered
            if v is not first
        ):
            day = local(first.completed_at, zone).date()
            found["day", day, "converted"] += 1
            _slice(found, D.STAFF, day, first.staff_id or 0, converted=1)
    return found


def instances_of(at: datetime, zone: ZoneInfo) -> list[tuple[Unit, date]]:
    day = local(at, zone).date()
    return [(unit, unit_start(day, unit)) for unit in Unit]
