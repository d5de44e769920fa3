"""Busy hours: orders by hour of the store's day, and the hands each shift asks for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from models.accounts import Account
from models.orders import Order, OrderStatus
from models.tasks import Shift, StaffTask
from resolvers.tasks import busy_hours
from tests.client import Api, gid
from tests.orders.factories import order

NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)  # 12:00 in Seoul


async def _orders_at(hour_utc: int, days_ago: int, count: int, **kw: Any) -> None:
    moment = NOW.replace(hour=hour_utc) - timedelta(days=days_ago)
    for _ in range(count):
        made = await order(1, **kw)
        await Order.filter(id=made.id).update(created_at=moment)


async def test_busy_hours_follow_the_store_clock_and_suggest_hands(app: object) -> None:
    # given, over the last week: a lunch rush at 12:00 Seoul (03:00 UTC), a quiet 09:00
    for days_ago in range(1, 8):
        await _orders_at(3, days_ago, 30)
        await _orders_at(0, days_ago, 2)
    await _orders_at(3, 2, 50, status=OrderStatus.CANCELLED)  # cancelled orders do not count
    await _orders_at(3, 0, 40)  # today is not part of the window
    staff = await Account.get(email="staff1@dangol.test")
    await StaffTask.create(
        store_id=1, title="계산대", date=date(2026, 12, 3), shift=Shift.LUNCH, assignee_id=staff.id
    )
    # when
    found = await busy_hours(1, days=7, orders_per_hand=12, now=NOW)
    # then
    noon, nine = found.hours[12], found.hours[9]
    assert (noon.orders, noon.per_day, noon.busy) == (210, 30.0, True)
    assert (nine.orders, nine.per_day, nine.busy) == (14, 2.0, False)
    lunch = next(s for s in found.shifts if s.shift == Shift.LUNCH)
    morning = next(s for s in found.shifts if s.shift == Shift.MORNING)
    assert (lunch.peak_hour, lunch.suggested_hands, lunch.assigned_hands, lunch.extra_hands) == (
        12,
        3,
        1,
        2,
    )
    assert (morning.peak_hour, morning.suggested_hands, morning.extra_hands) == (9, 1, 1)
    assert (str(found.since), str(found.until)) == ("2026-11-26", "2026-12-02")


async def test_busy_hours_through_the_api(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    data = await api.data(
        """query($id: ID!) { store(id: $id) { busyHours(days: 14) {
            hours { hour orders perDay busy } shifts { shift suggestedHands extraHands } } } }""",
        {"id": gid("Store", 1)},
        token=owner,
    )
    assert len(data["store"]["busyHours"]["hours"]) == 24
    assert [s["shift"] for s in data["store"]["busyHours"]["shifts"]] == [
        "MORNING",
        "LUNCH",
        "AFTERNOON",
        "EVENING",
        "NIGHT",
    ]
