"""The dashboard reads rollups kept by a trigger on point_entry: exact against the ledger, whoever
writes the entries (the API, jobs, raw SQL), for periods whose edges fall anywhere."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from core.database import insert_rows, write_transaction
from models.points import PointEntry, PointKind, PointSource
from resolvers.points import dashboard, expire_points, ledger, queries
from resolvers.points.ledger import Reference
from tests.client import Api, gid, new_key
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger, check_rollups

NOW = datetime.now(UTC)
KINDS = [
    (PointKind.EARN, PointSource.PURCHASE, 1),
    (PointKind.EARN, PointSource.REVIEW, 1),
    (PointKind.ADJUST, PointSource.MANUAL, 1),
    (PointKind.ADJUST, PointSource.MANUAL, -1),
    (PointKind.REDEEM, PointSource.REWARD, -1),
    (PointKind.REDEEM_RETURN, PointSource.REWARD, 1),
    (PointKind.EXPIRE, PointSource.EXPIRY, -1),
    (PointKind.REFUND_REVERSAL, PointSource.PURCHASE, -1),
    (PointKind.TRANSFER_OUT, PointSource.TRANSFER, -1),
]
COLUMNS = (
    "store_id",
    "customer_id",
    "kind",
    "source",
    "amount",
    "balance_after",
    "owed",
    "remaining",
    "created_at",
)


async def _history(rng: random.Random, customers: list[int], count: int) -> None:
    """Entries over the last 70 days, inserted in raw SQL as the generator does: the trigger
    must count them as it counts the API's."""
    rows = []
    for _ in range(count):
        kind, source, sign = rng.choice(KINDS[:2] * 6 + KINDS)
        at = NOW - timedelta(seconds=rng.randrange(70 * 86400), microseconds=rng.randrange(10**6))
        amount = sign * rng.randrange(1, 400)
        rows.append((1, rng.choice(customers), kind.value, source.value, amount, 0, 0, 0, at))
    async with write_transaction():
        await insert_rows("point_entry", COLUMNS, rows)


async def _moves_through_the_ledger(api: Api, customers: list[int]) -> None:
    """Earning, redeeming, a refund reversal (owed, then settled), adjustments, a transfer and
    expiry, as the application writes them."""
    token = await helpers.owner(api)
    a, b, c = customers[:3]
    await helpers.give(a, 500)
    await helpers.give(b, 300, expires_at=NOW - timedelta(seconds=1))
    async with write_transaction():
        await ledger.debit(1, a, 120, kind=PointKind.REDEEM, source=PointSource.REWARD)
    async with write_transaction():
        await ledger.debit_owing(
            1,
            a,
            700,
            kind=PointKind.REFUND_REVERSAL,
            source=PointSource.PURCHASE,
            reference=Reference(type="order_refund"),
        )
    await helpers.give(a, 400)  # settles what a owes
    await helpers.adjust(api, token, c, 90)
    await helpers.adjust(api, token, c, -15)
    await helpers.transfer(api, token, c, b, 20)
    await expire_points(NOW)
    await helpers.give(await helpers.customer(store_id=2), 999, store_id=2)


def _periods(rng: random.Random) -> list[tuple[datetime, datetime]]:
    hour = NOW.replace(minute=0, second=0, microsecond=0)
    day = hour.replace(hour=0)
    fixed = [
        (NOW - timedelta(days=30), NOW),
        (NOW - timedelta(days=30), NOW + timedelta(days=1)),
        (hour + timedelta(minutes=1), hour + timedelta(minutes=2)),
        (hour - timedelta(minutes=30), hour + timedelta(minutes=59)),
        (hour - timedelta(hours=5), hour),
        (day - timedelta(days=3), day),
        (day - timedelta(days=3, seconds=1), day + timedelta(microseconds=1)),
        (NOW - timedelta(days=80), NOW + timedelta(hours=1)),
    ]
    drawn = []
    for _ in range(30):
        end = NOW + timedelta(hours=2) - timedelta(seconds=rng.randrange(75 * 86400))
        start = end - timedelta(seconds=rng.randrange(1, 40 * 86400), microseconds=17)
        drawn.append((start, end))
    return fixed + drawn


async def _ledger() -> list[dict[str, Any]]:
    return await PointEntry.filter(store_id=1).values(
        "customer_id", "kind", "source", "amount", "created_at"
    )


def _from_the_ledger(
    rows: list[dict[str, Any]], start: datetime, end: datetime, top: int
) -> dict[str, Any]:
    """The dashboard summed straight from point_entry's rows."""
    issued = used = expired = reversed_ = outstanding = 0
    by_source: dict[str, int] = defaultdict(int)
    earned: dict[int, int] = defaultdict(int)
    for row in rows:
        if row["created_at"] < end:
            outstanding += row["amount"]
        if not start <= row["created_at"] < end:
            continue
        kind, amount = row["kind"], row["amount"]
        if kind in (PointKind.EARN, PointKind.ADJUST) and amount > 0:
            issued += amount
            by_source[row["source"].value] += amount
        elif kind in (PointKind.REDEEM, PointKind.REDEEM_RETURN):
            used -= amount
        elif kind == PointKind.EXPIRE:
            expired -= amount
        elif kind in (PointKind.REFUND_REVERSAL, PointKind.ADJUST):
            reversed_ -= amount
        if kind == PointKind.EARN:
            earned[row["customer_id"]] += amount
    ranked = sorted(earned.items(), key=lambda item: (-item[1], item[0]))[:top]
    return {
        "figures": (issued, used, expired, reversed_, outstanding),
        "by_source": dict(by_source),
        "top": ranked,
    }


@pytest.mark.parametrize("batch", [queries.EXACT_BATCH, 1])
async def test_the_dashboard_equals_the_ledger_for_any_period(
    api: Api, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given entries written by the application and in raw SQL, over 70 days; the top earners'
    # candidates summed from the ledger as in production and one place at a time (more rounds)
    monkeypatch.setattr(queries, "EXACT_BATCH", batch)
    rng = random.Random(9)
    customers = [await helpers.customer() for _ in range(150)]
    await _moves_through_the_ledger(api, customers)
    await _history(rng, customers, 4000)
    rows = await _ledger()
    # when / then: every period, unaligned edges included, and top lists that need the rollup's
    # threshold search, its second round and the ledger
    for start, end in _periods(rng):
        for top in (1, 3, 10):
            board = await dashboard(store_id=1, start=start, end=end, top=top)
            expected = _from_the_ledger(rows, start, end, top)
            figures = (board.issued, board.used, board.expired, board.reversed, board.outstanding)
            assert figures == expected["figures"], (start, end)
            sources = {source.value: total for source, total in board.by_source.items() if total}
            assert sources == expected["by_source"], (start, end)
            assert board.top_earners == expected["top"], (start, end, top)
    await check_rollups()


async def test_the_api_answers_what_the_ledger_holds(api: Api) -> None:
    # given
    rng = random.Random(4)
    customers = [await helpers.customer() for _ in range(20)]
    await _moves_through_the_ledger(api, customers)
    await _history(rng, customers, 300)
    start, end = NOW - timedelta(days=30, minutes=7), NOW + timedelta(seconds=3)
    period = {"from": start.isoformat(), "to": end.isoformat()}
    # when
    data = await api.data(
        helpers.DASHBOARD,
        {"id": gid("Store", 1), "p": period, "top": 5},
        token=await helpers.owner(api),
    )
    # then
    board = data["store"]["pointsDashboard"]
    expected = _from_the_ledger(await _ledger(), start, end, 5)
    figures = tuple(board[name] for name in ("issued", "used", "expired", "reversed"))
    assert (*figures, board["outstanding"]) == expected["figures"]
    assert {row["source"]: row["points"] for row in board["earningsBySource"]} == expected[
        "by_source"
    ]
    assert [(row["customerId"], row["points"]) for row in board["topEarners"]] == [
        (gid("Customer", customer), points) for customer, points in expected["top"]
    ]


async def test_the_rollups_equal_the_ledger_after_concurrent_writes(api: Api) -> None:
    # given customers with points, and orders to complete
    owner, staff = await helpers.owner(api), await helpers.staff(api)
    customers = [await helpers.customer() for _ in range(6)]
    for customer in customers:
        await helpers.give(customer, 200)
    orders = [
        await factories.order(1, customer_id=customers[k % 6], price=3000 + k) for k in range(6)
    ]
    # when racing adjustments, transfers and completions go through the API
    await asyncio.gather(
        *(helpers.adjust(api, owner, customers[k % 6], 5 + k) for k in range(12)),
        *(helpers.adjust(api, owner, customers[k % 6], -(3 + k)) for k in range(12)),
        *(helpers.transfer(api, owner, customers[k], customers[(k + 1) % 6], 7) for k in range(6)),
        *(factories.complete(api, staff, order.id) for order in orders),
    )
    # then
    assert await PointEntry.filter(store_id=1).count() > 6 + 24 + 12
    await check_rollups()
    await check_ledger()


async def test_a_refund_reversal_is_in_the_rollups(api: Api) -> None:
    # given a completed order's points
    customer = await helpers.customer()
    order = await factories.order(1, customer_id=customer, price=9000)
    await factories.complete(api, await helpers.staff(api), order.id)
    # when it is refunded through the API
    variables = {"input": {"orderId": gid("Order", order.id), "idempotencyKey": new_key()}}
    await api.data(factories.REFUND_ORDER, variables, token=await helpers.owner(api))
    # then
    assert await PointEntry.filter(customer_id=customer, kind=PointKind.REFUND_REVERSAL).exists()
    await check_rollups()
    board = await dashboard(
        store_id=1, start=NOW - timedelta(hours=1), end=datetime.now(UTC) + timedelta(1), top=1
    )
    assert board.reversed == board.issued > 0
