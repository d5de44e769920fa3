"""A small generated store is consistent, sealed, and served like any other."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

import pytest

from app.generator import Spec, generate, phone_of
from core.database import connection
from core.settings import Settings
from models.customers import Customer
from models.orders import Order, OrderLine, OrderStatus
from resolvers.customers.records import opened
from resolvers.pii import display_phone, keys_for, mask_name, mask_phone
from tests.client import Api, gid
from tests.customers.helpers import owner

STORE = 1
SPEC = Spec(
    store_id=STORE,
    customers=120,
    orders=1_500,
    seed=7,
    now=datetime(2026, 11, 25, 12, tzinfo=UTC),
)
BY_PHONE = """
query($id: ID!, $p: String!) {
  store(id: $id) { customerByPhone(phone: $p) { id name phone piiMasked visits { count } } }
}
"""


@pytest.fixture
async def generated(api: Api, settings: Settings) -> dict[str, Any]:
    report = await generate(settings, SPEC)
    return {"report": report}


async def test_visit_stats_equal_the_completed_orders(generated: dict[str, Any]) -> None:
    # given
    orders = await Order.filter(store_id=STORE).order_by("completed_at", "id")
    customers = {c.id: c for c in await Customer.filter(store_id=STORE)}
    # when
    count: dict[int, int] = defaultdict(int)
    paid: dict[int, int] = defaultdict(int)
    visits: dict[int, list[datetime]] = defaultdict(list)
    firsts: dict[int, list[Order]] = defaultdict(list)
    for order in orders:
        cid = order.customer_id
        assert cid is not None
        if order.status == OrderStatus.COMPLETED:
            count[cid] += 1
            paid[cid] += order.total
        if order.status in (OrderStatus.COMPLETED, OrderStatus.REFUNDED):
            assert order.completed_at is not None
            visits[cid].append(order.completed_at)
        if order.is_first_visit:
            firsts[cid].append(order)
    # then
    assert generated["report"].orders == SPEC.orders == len(orders)
    assert len(customers) == SPEC.customers
    for cid, customer in customers.items():
        assert customer.visit_count == count[cid]
        assert customer.total_paid == paid[cid]
        assert customer.first_visit_at == (min(visits[cid]) if visits[cid] else None)
        assert customer.last_visit_at == (max(visits[cid]) if visits[cid] else None)
        assert len(firsts[cid]) == (1 if visits[cid] else 0)
        if visits[cid]:
            assert firsts[cid][0].completed_at == min(visits[cid])
            assert firsts[cid][0].status == OrderStatus.COMPLETED


async def test_order_totals_are_the_sum_of_their_lines(generated: dict[str, Any]) -> None:
    totals: dict[int, int] = defaultdict(int)
    for order_id, line_total in await OrderLine.filter(order__store_id=STORE).values_list(
        "order_id", "line_total"
    ):
        totals[order_id] += line_total
    for order in await Order.filter(store_id=STORE):
        assert order.subtotal == order.total == totals[order.id] > 0


async def test_the_store_has_regulars_dormant_and_first_timers(generated: dict[str, Any]) -> None:
    now = SPEC.now
    assert now is not None
    customers = await Customer.filter(store_id=STORE)
    regulars = [c for c in customers if c.visit_count >= 10]
    dormant = [c for c in customers if c.last_visit_at and (now - c.last_visit_at).days > 30]
    once = [c for c in customers if c.visit_count == 1]
    assert len(regulars) >= 5 and len(dormant) >= 10 and len(once) >= 10


async def test_no_plaintext_pii_is_stored(generated: dict[str, Any], settings: Settings) -> None:
    keys = keys_for(settings)
    customers = await Customer.filter(store_id=STORE).order_by("id")
    rows = await connection().execute_query_dict('SELECT * FROM "customer"')
    dump = repr(rows)
    for customer in customers[:30]:
        name, phone = opened(keys, customer)
        assert name not in dump
        assert phone not in dump and phone[3:] not in dump and display_phone(phone) not in dump


async def test_generated_customers_are_found_by_phone_masked_or_not(
    generated: dict[str, Any], api: Api, settings: Settings
) -> None:
    # given
    keys = keys_for(settings)
    first = generated["report"].first_index
    customers = await Customer.filter(store_id=STORE).order_by("id").limit(5)
    owner_token = await owner(api)
    staff_token = await api.token("staff1@dangol.test")
    for k, customer in enumerate(customers):
        name, phone = opened(keys, customer)
        # when
        as_owner = await api.data(
            BY_PHONE, {"id": gid("Store", STORE), "p": phone_of(SPEC, first + k)}, token=owner_token
        )
        as_staff = await api.data(
            BY_PHONE, {"id": gid("Store", STORE), "p": phone}, token=staff_token
        )
        # then
        for found in (as_owner["store"]["customerByPhone"], as_staff["store"]["customerByPhone"]):
            assert found["id"] == gid("Customer", customer.id)
            assert found["visits"]["count"] == customer.visit_count
            if found["piiMasked"]:
                assert (found["name"], found["phone"]) == (mask_name(name), mask_phone(phone))
            else:
                assert (found["name"], found["phone"]) == (name, display_phone(phone))
        assert display_phone(phone) == phone_of(SPEC, first + k)


async def test_points_follow_the_orders_and_balances_add_up(generated: dict[str, Any]) -> None:
    # given
    from models.points import PointBalance, PointEntry

    entries = await PointEntry.filter(store_id=STORE).order_by("created_at", "id")
    balances = {b.customer_id: b.balance for b in await PointBalance.filter(store_id=STORE)}
    visited = await Order.filter(
        store_id=STORE, status__in=[OrderStatus.COMPLETED, OrderStatus.REFUNDED]
    )
    # when
    running: dict[int, int] = defaultdict(int)
    remaining: dict[int, int] = defaultdict(int)
    earned_orders: list[int | None] = []
    for entry in entries:
        cid = entry.customer_id
        running[cid] += entry.amount
        remaining[cid] += entry.remaining
        assert entry.balance_after == running[cid] >= 0
        if entry.kind == "EARN":
            earned_orders.append(entry.order_id)
    # then
    assert generated["report"].point_entries == len(entries)
    assert None not in earned_orders
    assert sorted(pk for pk in earned_orders if pk) == sorted(o.id for o in visited)
    assert balances == dict(running)
    assert all(remaining[cid] == balance for cid, balance in balances.items())
