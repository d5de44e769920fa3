"""A realistic generated history for one store: customers, a catalogue, two years of orders.

    report = await generate(settings, Spec(store_id=1, customers=100_000, orders=1_000_000))

Customers are sealed exactly as ``registerCustomer`` seals them (``resolvers.pii``
keys, the same blind indexes), so a generated customer is found by phone and
shown masked or in clear like any other. Visit counters equal the completed
orders: ``visit_count`` and ``total_paid`` count COMPLETED orders, first and
last visit are the earliest and latest completion (a fully refunded order keeps
its visit time, as ``resolvers.orders.visits`` does), and the earliest
completion carries ``is_first_visit``; the store's people take turns completing
orders, and its analytics rollups are rebuilt from the rows at the end (``app/area.py``
adds neighbour stores for the area benchmark). Points follow a programme of 1% (FLOOR,
no expiry) created for the store when it has none: an EARN entry per completed
order at its completion and a REFUND_REVERSAL when it was refunded (taken from
that order's own lot), running ``balance_after`` and one ``point_balance`` per
customer. Stamps, tiers, coupons and rewards stay empty.

Rows go in by chunks through the server's own driver: ``executemany`` on
SQLite (aiosqlite), ``COPY`` on PostgreSQL (asyncpg). The plain data are
deterministic for a seed; ciphertexts are not (AES-GCM nonces are random).
"""

from __future__ import annotations

import bisect
import math
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tortoise.backends.base.client import BaseDBAsyncClient

from core.database import connection, dialect, write_transaction
from core.settings import Settings
from models.catalogue import Category, Product
from models.customers import Customer
from models.points import PointProgram
from models.stores import Membership
from resolvers.analytics import rollups as analytics
from resolvers.customers.records import allocate_ids, sealed
from resolvers.pii import keys_for

DAY = 86_400.0
KST = timedelta(hours=9)
CHUNK = 20_000
ORDERS_PER_TRANSACTION = 200_000
MOBILE_FIRST_DIGITS = "2346789"  # 0105... is not a valid mobile number
PHONE_SPACE = 70_000_000
PHONE_STRIDE = 7_919  # prime, coprime with PHONE_SPACE: a permutation of the space

SURNAMES = "김이박최정강조윤장임한오서신권황안송류홍"
GIVEN = "민서준지현우수영하은도윤예주원진성혜나연태호경희재동아"
CATALOGUE: dict[str, list[tuple[str, int, float]]] = {  # name, price (won), popularity
    "커피": [
        ("아메리카노", 4500, 30),
        ("카페라떼", 5000, 18),
        ("바닐라라떼", 5500, 8),
        ("카푸치노", 5000, 5),
        ("콜드브루", 5500, 7),
        ("에스프레소", 4000, 2),
    ],
    "논커피": [
        ("녹차라떼", 5500, 4),
        ("초코라떼", 5500, 4),
        ("레몬에이드", 6000, 3),
        ("자몽에이드", 6000, 3),
        ("아이스티", 4500, 3),
    ],
    "베이커리": [
        ("크루아상", 3800, 6),
        ("소금빵", 3500, 8),
        ("베이글", 4000, 4),
        ("스콘", 3800, 3),
        ("치즈케이크", 6500, 3),
        ("티라미수", 7000, 2),
    ],
    "시즌": [("딸기라떼", 6500, 2), ("뱅쇼", 6500, 1), ("단호박라떼", 6000, 1)],
}
COMPLETED, CANCELLED, REFUNDED = "COMPLETED", "CANCELLED", "REFUNDED"
OPEN_STATUSES = ("RECEIVED", "CONFIRMED", "PREPARING", "READY")
CHANNELS = (("IN_STORE", 0.80), ("PICKUP", 0.92), ("ONLINE", 0.97), ("DELIVERY", 1.0))
# kind, share of customers; counts are scaled so the orders add up to the spec.
KINDS = (
    ("regular", 0.12),
    ("dormant", 0.28),
    ("first_timer", 0.25),
    ("never", 0.04),
    ("tail", 0.31),
)

CUSTOMER_COLUMNS = (
    "id",
    "store_id",
    "name_encrypted",
    "phone_encrypted",
    "phone_index",
    "phone_tail_index",
    "name_index",
    "key_version",
    "birth_year",
    "age_band",
    "gender",
    "marketing_consent",
    "source_channel",
    "tags",
    "visit_count",
    "total_paid",
    "first_visit_at",
    "last_visit_at",
    "reward_uses",
    "created_at",
    "updated_at",
)
ORDER_COLUMNS = (
    "id",
    "store_id",
    "customer_id",
    "channel",
    "status",
    "pickup_at",
    "subtotal",
    "discount_total",
    "total",
    "refunded_amount",
    "is_first_visit",
    "idempotency_key",
    "request_digest",
    "created_by_id",
    "created_by_api_key_id",
    "completed_by_id",
    "created_at",
    "updated_at",
    "completed_at",
    "cancelled_at",
    "refunded_at",
)
POINT_COLUMNS = (
    "id",
    "store_id",
    "customer_id",
    "kind",
    "source",
    "amount",
    "balance_after",
    "remaining",
    "reference_type",
    "reference_id",
    "order_id",
    "created_at",
)
BALANCE_COLUMNS = ("store_id", "customer_id", "balance", "updated_at")
EARN_RATE_BP = 100
LINE_COLUMNS = (
    "id",
    "order_id",
    "product_id",
    "product_name",
    "unit_price",
    "quantity",
    "line_total",
)


@dataclass(frozen=True)
class Spec:
    store_id: int
    customers: int
    orders: int
    seed: int = 2026
    days: int = 730
    now: datetime | None = None


@dataclass
class Report:
    customers: int = 0
    orders: int = 0
    lines: int = 0
    point_entries: int = 0
    # The phone of customer k is phone_of(spec, first_index + k) in a fresh store.
    first_index: int = 0
    seconds: float = 0.0
    kinds: dict[str, int] = field(default_factory=dict)


def phone_of(spec: Spec, index: int) -> str:
    """The phone (``010-XXXX-XXXX``) of the ``index``-th generated customer of a spec."""
    x = (index * PHONE_STRIDE + spec.seed * 104_729) % PHONE_SPACE
    digits = MOBILE_FIRST_DIGITS[x // 10_000_000] + f"{x % 10_000_000:07d}"
    return f"010-{digits[:4]}-{digits[4:]}"


def _e164(phone: str) -> str:
    return "+82" + phone.replace("-", "")[1:]


def _name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.93 else "")
    return rng.choice(SURNAMES) + given


def _age_band(birth_year: int, year: int) -> str:
    age = year - birth_year
    bands = ((20, "TEENS"), (30, "TWENTIES"), (40, "THIRTIES"), (50, "FORTIES"), (60, "FIFTIES"))
    return next((band for limit, band in bands if age < limit), "SIXTIES_PLUS")


def _kind(rng: random.Random) -> str:
    r, total = rng.random(), 0.0
    for name, share in KINDS:
        total += share
        if r < total:
            return name
    return KINDS[-1][0]


def _weight(rng: random.Random, kind: str) -> float:
    return {
        "regular": rng.uniform(25, 80),
        "dormant": rng.uniform(2, 12),
        "tail": rng.uniform(2, 8),
    }.get(kind, 0.0)


def _counts(rng: random.Random, kinds: list[str], orders: int) -> list[int]:
    """Orders per customer: first-timers one, never-seen none, the rest by weight;
    summing to ``orders``."""
    weights = [_weight(rng, k) for k in kinds]
    fixed = sum(1 for k in kinds if k == "first_timer")
    factor = max(orders - fixed, 0) / (sum(weights) or 1.0)
    counts = [
        1 if k == "first_timer" else 0 if w == 0 else max(2, int(w * factor + rng.random()))
        for k, w in zip(kinds, weights, strict=True)
    ]
    flexible = [i for i, k in enumerate(kinds) if k in ("regular", "dormant", "tail")] or list(
        range(len(kinds))
    )
    diff = orders - sum(counts)
    while diff != 0:
        i = rng.choice(flexible)
        if diff > 0:
            counts[i] += 1
            diff -= 1
        elif counts[i] > 1 or (counts[i] == 1 and not any(counts[j] > 1 for j in flexible)):
            counts[i] -= 1
            diff += 1
    return counts


def _window(rng: random.Random, kind: str, days: int) -> tuple[float, float]:
    """(first, last) order, in days before now."""
    if kind == "regular":
        return rng.uniform(90, days), rng.uniform(0.0, 10)
    if kind == "dormant":
        last = rng.uniform(31, days - 10)
        return min(days, last + rng.uniform(10, 240)), last
    if kind == "first_timer":
        at = rng.uniform(0.0, days)
        return at, at
    last = rng.uniform(0.0, days - 5)
    return min(days, last + rng.uniform(5, 400)), last


def _moment(rng: random.Random, now_s: float, days_ago: float) -> float:
    """A time within business hours (08:00 to 21:30 in Seoul) on the day ``days_ago`` before now."""
    local = now_s - days_ago * DAY + KST.total_seconds()
    day_start = math.floor(local / DAY) * DAY - KST.total_seconds()
    return min(day_start + rng.uniform(8 * 3600, 21.5 * 3600), now_s - rng.uniform(60, 900))


class _Menu:
    def __init__(self, products: Sequence[tuple[int, str, int, float]]) -> None:
        self.products = list(products)
        running, self.cumulative = 0.0, []
        for *_rest, popularity in self.products:
            running += popularity
            self.cumulative.append(running)

    def lines(self, rng: random.Random) -> tuple[int, int]:
        """(packed lines, total): 1-3 lines of (product index, quantity), 8 bits each."""
        r = rng.random()
        count = 1 if r < 0.6 else 2 if r < 0.9 else 3
        packed = total = 0
        for k in range(count):
            index = bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])
            q = rng.random()
            quantity = 1 if q < 0.85 else 2 if q < 0.97 else 3
            packed |= (index * 4 + quantity) << (8 * k)
            total += self.products[index][2] * quantity
        return packed, total


async def _catalogue(store_id: int) -> _Menu:
    existing = await Product.filter(store_id=store_id, is_archived=False).order_by("id")
    if not existing:
        for position, (category_name, items) in enumerate(CATALOGUE.items()):
            category, _ = await Category.get_or_create(
                store_id=store_id, name=category_name, defaults={"position": position}
            )
            await Product.bulk_create(
                [
                    Product(store_id=store_id, category_id=category.id, name=name, price=price)
                    for name, price, _popularity in items
                ]
            )
        existing = await Product.filter(store_id=store_id, is_archived=False).order_by("id")
    popularity = {name: p for items in CATALOGUE.values() for name, _price, p in items}
    return _Menu([(p.id, p.name, int(p.price), popularity.get(p.name, 2.0)) for p in existing][:63])


def _at(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


async def _insert(
    conn: BaseDBAsyncClient, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    if not rows:
        return
    if dialect() == "postgres":
        async with conn.acquire_connection() as raw:
            await raw.copy_records_to_table(table, records=rows, columns=list(columns))
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    await conn.execute_many(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', [list(row) for row in rows]
    )


async def _next_id(conn: BaseDBAsyncClient, table: str) -> int:
    rows = await conn.execute_query_dict(f'SELECT COALESCE(MAX(id), 0) AS top FROM "{table}"')
    return int(rows[0]["top"]) + 1


async def _finish(conn: BaseDBAsyncClient) -> None:
    """Move the id sequences past the explicit ids; on SQLite, refresh the planner's statistics."""
    if dialect() == "postgres":
        for table in ("customer", "order", "order_line", "point_entry", "point_balance"):
            await conn.execute_script(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
            )
    else:
        await conn.execute_script("ANALYZE")


async def generate(settings: Settings, spec: Spec) -> Report:
    """Generate ``spec`` into its (existing, customer-less) store. Call with the database open."""
    started = time.perf_counter()
    rng = random.Random(spec.seed * 1_000_003 + spec.store_id)
    keys = keys_for(settings)
    now = spec.now or datetime.now(UTC)
    now_s = now.timestamp()
    report = Report()
    menu = await _catalogue(spec.store_id)
    staff: list[Any] = (
        await Membership.filter(store_id=spec.store_id)
        .order_by("id")
        .values_list("account_id", flat=True)
    )
    staff_ids = [int(pk) for pk in staff]

    phone_indexes: list[Any] = await Customer.filter(store_id=spec.store_id).values_list(
        "phone_index", flat=True
    )
    taken = set(phone_indexes)
    phone_index = report.first_index = len(taken)
    kinds = [_kind(rng) for _ in range(spec.customers)]
    counts = _counts(rng, kinds, spec.orders)
    # created, customer, status, total, lines, first, done
    orders: list[tuple[float, int, str, int, int, bool, float]] = []
    async with write_transaction() as conn:
        customer_ids = await allocate_ids(conn, spec.customers)
        rows: list[tuple[Any, ...]] = []
        for customer_id, kind, count in zip(customer_ids, kinds, counts, strict=True):
            report.kinds[kind] = report.kinds.get(kind, 0) + 1
            first_ago, last_ago = _window(rng, kind, spec.days)
            moments = sorted(
                _moment(rng, now_s, rng.uniform(last_ago, first_ago)) for _ in range(count - 2)
            )
            ends = [_moment(rng, now_s, first_ago), _moment(rng, now_s, last_ago)][:count]
            moments = sorted(moments + ends)
            visits = paid = 0
            first_visit = last_visit = None
            for created in moments:
                packed, total = menu.lines(rng)
                done = created + rng.uniform(180, 1200)
                r = rng.random()
                if now_s - created < 0.1 * DAY and r < 0.6:
                    status = OPEN_STATUSES[int(r * 6.6) % 4]
                elif r < 0.03:
                    status = CANCELLED
                elif r < 0.045 and first_visit is not None:
                    status = REFUNDED
                else:
                    status = COMPLETED
                if status == COMPLETED:
                    visits, paid = visits + 1, paid + total
                is_first = status in (COMPLETED, REFUNDED) and first_visit is None
                if status in (COMPLETED, REFUNDED):
                    first_visit = first_visit if first_visit is not None else done
                    last_visit = done
                orders.append((created, customer_id, status, total, packed, is_first, done))
            created_at = (
                (moments[0] - rng.uniform(0, 120))
                if moments
                else _moment(rng, now_s, rng.uniform(0, spec.days))
            )
            phone = _e164(phone_of(spec, phone_index))
            while taken and keys.phone_index(spec.store_id, phone) in taken:
                phone_index += 1
                phone = _e164(phone_of(spec, phone_index))
            phone_index += 1
            name = _name(rng)
            birth_year = rng.randint(1950, now.year - 15) if rng.random() < 0.7 else None
            band = (
                _age_band(birth_year, now.year)
                if birth_year
                else (rng.choice(("TWENTIES", "THIRTIES")) if rng.random() < 0.2 else None)
            )
            pii = sealed(
                keys, store_id=spec.store_id, customer_id=customer_id, name=name, phone=phone
            )
            rows.append(
                (
                    customer_id,
                    spec.store_id,
                    pii["name_encrypted"],
                    pii["phone_encrypted"],
                    pii["phone_index"],
                    pii["phone_tail_index"],
                    pii["name_index"],
                    pii["key_version"],
                    birth_year,
                    band,
                    rng.choice(("FEMALE", "FEMALE", "MALE", "MALE", "UNDISCLOSED")),
                    rng.random() < 0.45,
                    "WALK_IN"
                    if rng.random() < 0.8
                    else rng.choice(("ONLINE_PROMOTION", "REFERRAL", "OFFLINE_EVENT")),
                    "[]",
                    visits,
                    paid,
                    _at(first_visit),
                    _at(last_visit),
                    0,
                    _at(created_at),
                    _at(max(created_at, last_visit or created_at)),
                )
            )
            if len(rows) >= CHUNK:
                await _insert(conn, "customer", CUSTOMER_COLUMNS, rows)
                rows = []
        await _insert(conn, "customer", CUSTOMER_COLUMNS, rows)
    report.customers = spec.customers
    orders.sort()
    events: list[tuple[float, int, int, int]] = []  # at, customer, order, signed points
    await _write_orders(spec, orders, menu, staff_ids, report, events)
    del orders
    await _write_points(spec, events, report)
    async with write_transaction() as conn:
        await _finish(conn)
    await analytics.rebuild_store(spec.store_id, now)
    if dialect() == "postgres":
        # The ledger's trigger updated each rollup row once per entry: reclaim the dead versions
        # and count every table's rows, as autovacuum would in time (outside a transaction).
        await connection().execute_script("VACUUM ANALYZE")
    report.seconds = time.perf_counter() - started
    return report


async def _write_orders(
    spec: Spec,
    orders: list[tuple[float, int, str, int, int, bool, float]],
    menu: _Menu,
    staff_ids: list[int],
    report: Report,
    events: list[tuple[float, int, int, int]],
) -> None:
    rng = random.Random(spec.seed * 7 + spec.store_id)
    for start in range(0, len(orders), ORDERS_PER_TRANSACTION):
        async with write_transaction() as conn:
            order_id = await _next_id(conn, "order")
            line_id = await _next_id(conn, "order_line")
            order_rows: list[tuple[Any, ...]] = []
            line_rows: list[tuple[Any, ...]] = []
            for created, customer_id, status, total, packed, is_first, done in orders[
                start : start + ORDERS_PER_TRANSACTION
            ]:
                r = rng.random()
                channel = next(name for name, upto in CHANNELS if r < upto)
                # the store's people take turns at the counter (staff performance, I7)
                staff_id = staff_ids[order_id % len(staff_ids)] if staff_ids else None
                created_at = _at(created)
                finished = _at(done) if status in (COMPLETED, REFUNDED) else None
                refund_s = done + rng.uniform(600, 5 * DAY)
                refunded = _at(refund_s) if status == REFUNDED else None
                if finished is not None and total * EARN_RATE_BP // 10_000 > 0:
                    events.append((done, customer_id, order_id, total * EARN_RATE_BP // 10_000))
                    if refunded is not None:
                        events.append(
                            (refund_s, customer_id, order_id, -(total * EARN_RATE_BP // 10_000))
                        )
                cancelled = _at(created + rng.uniform(60, 600)) if status == CANCELLED else None
                order_rows.append(
                    (
                        order_id,
                        spec.store_id,
                        customer_id,
                        channel,
                        status,
                        _at(created + 900) if channel == "PICKUP" else None,
                        total,
                        0,
                        total,
                        total if status == REFUNDED else 0,
                        is_first,
                        None,
                        None,
                        staff_id,
                        None,
                        staff_id if finished else None,
                        created_at,
                        refunded or cancelled or finished or created_at,
                        finished,
                        cancelled,
                        refunded,
                    )
                )
                while packed:
                    index, quantity = divmod(packed & 0xFF, 4)
                    product_id, name, price, _popularity = menu.products[index]
                    line_rows.append(
                        (line_id, order_id, product_id, name, price, quantity, price * quantity)
                    )
                    line_id += 1
                    packed >>= 8
                order_id += 1
                if len(order_rows) >= CHUNK:
                    await _flush(conn, order_rows, line_rows, report)
                    order_rows, line_rows = [], []
            await _flush(conn, order_rows, line_rows, report)


async def _flush(
    conn: BaseDBAsyncClient,
    order_rows: list[tuple[Any, ...]],
    line_rows: list[tuple[Any, ...]],
    report: Report,
) -> None:
    await _insert(conn, "order", ORDER_COLUMNS, order_rows)
    await _insert(conn, "order_line", LINE_COLUMNS, line_rows)
    report.orders += len(order_rows)
    report.lines += len(line_rows)


async def _write_points(
    spec: Spec, events: list[tuple[float, int, int, int]], report: Report
) -> None:
    if not events:
        return
    if not await PointProgram.exists(store_id=spec.store_id):
        await PointProgram.create(store_id=spec.store_id, earn_rate_bp=EARN_RATE_BP)
    events.sort()
    reversed_orders = {order_id for _at_s, _customer, order_id, points in events if points < 0}
    balances: dict[int, int] = {}
    latest: dict[int, float] = {}
    async with write_transaction() as conn:
        entry_id = await _next_id(conn, "point_entry")
        rows: list[tuple[Any, ...]] = []
        for at, customer_id, order_id, points in events:
            balance = balances[customer_id] = balances.get(customer_id, 0) + points
            latest[customer_id] = at
            earn = points > 0
            rows.append(
                (
                    entry_id,
                    spec.store_id,
                    customer_id,
                    "EARN" if earn else "REFUND_REVERSAL",
                    "PURCHASE",
                    points,
                    balance,
                    0 if (not earn or order_id in reversed_orders) else points,
                    "order" if earn else "order_refund",
                    str(order_id),
                    order_id,
                    _at(at),
                )
            )
            entry_id += 1
            if len(rows) >= CHUNK:
                await _insert(conn, "point_entry", POINT_COLUMNS, rows)
                rows = []
        await _insert(conn, "point_entry", POINT_COLUMNS, rows)
        await _insert(
            conn,
            "point_balance",
            BALANCE_COLUMNS,
            [
                (spec.store_id, customer_id, balance, _at(latest[customer_id]))
                for customer_id, balance in balances.items()
            ],
        )
    report.point_entries = len(events)
