"""Month close: one statement per store and month, even run twice at once; the forecast is the
statement; statements are immutable and corrections land on the next one."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest

from models.settlements import Settlement, SettlementAdjustment, SettlementLine
from models.stores import Store
from resolvers import settlements
from resolvers.settlements.periods import dispute_closes_at
from resolvers.settlements.statements import due_periods
from tests.client import Api, gid

EXPECTED = """
query($id: ID!) {
  store(id: $id) {
    expectedSettlement { periodStart netAmount lines { kind description amount } }
    settlementSchedule { periodStart periodEnd processingDate payoutDate disputeDays }
    settlements(first: 5) { edges { node { periodStart netAmount taxInvoiceRef } } }
  }
}
"""


async def test_month_close_run_twice_at_once_issues_one_statement_per_store(api: Api) -> None:
    # given the current month of the demo stores, closed an hour after it ends
    store = await Store.get(id=1)
    period = settlements.current_month(datetime.now(UTC), store.time_zone)
    close = period.ends_at + timedelta(hours=1)
    # when two month-close runs race, and a third runs later
    first, second = await asyncio.gather(
        settlements.close_months(close), settlements.close_months(close)
    )
    third = await settlements.close_months(close + timedelta(minutes=10))
    # then the two demo stores got exactly one statement each
    assert first + second == 2 and third == 0
    for store_id in (1, 2):
        assert await Settlement.filter(store_id=store_id, period_start=period.start).count() == 1


async def test_the_forecast_at_month_close_is_the_statement(api: Api) -> None:
    # given the month so far, with a pending adjustment of store 1
    store = await Store.get(id=1)
    period = settlements.current_month(datetime.now(UTC), store.time_zone)
    await SettlementAdjustment.create(
        store_id=1, amount=-2_500, reason="지난달 배송 지연 보상", created_at=datetime.now(UTC)
    )
    # when the forecast is asked just before the month closes, and the month is then closed
    last_moment = period.ends_at - timedelta(microseconds=1)
    forecast = await settlements.expected(1, now=last_moment)
    assert forecast is not None
    await settlements.close_months(period.ends_at + timedelta(minutes=5))
    # then the statement has the forecast's lines and totals, to the won
    statement = await Settlement.get(store_id=1, period_start=period.start)
    lines = await SettlementLine.filter(settlement_id=statement.id).order_by("position")
    assert [(row.kind, row.description, row.amount) for row in lines] == [
        (line.kind, line.description, line.amount) for line in forecast.lines
    ]
    assert statement.net_amount == forecast.net_amount
    assert (statement.cup_holder_cost, statement.incentives, statement.adjustments) == (
        forecast.cup_holder_cost,
        forecast.incentives,
        -2_500,
    )
    assert statement.subscription_fee == settlements.SUBSCRIPTION_FEE[store.plan] == 49_900
    # and the adjustment is now carried: the next forecast no longer has it
    after = await settlements.expected(1, now=period.ends_at + timedelta(days=1))
    assert after is not None and after.adjustments == 0


async def test_platinum_incentives_are_credited_and_the_net_says_who_pays(api: Api) -> None:
    # given store 1 is Platinum in the demo: its cup holders are free and earn 5 won a unit
    statements = await Settlement.filter(store_id=1).order_by("period_start")
    # then each demo statement nets the fee less the incentive of the month's usage
    assert len(statements) == 2
    first = statements[0]
    assert first.cup_holder_cost == 0
    assert first.incentives == (120 + 95 + 140 - 10) * 5
    assert first.net_amount == 49_900 - first.incentives


async def test_a_statement_is_immutable(api: Api) -> None:
    statement = await Settlement.filter(store_id=1).first()
    assert statement is not None
    with pytest.raises(Exception, match="immutable"):
        await Settlement.filter(id=statement.id).update(net_amount=0)
    with pytest.raises(Exception, match="immutable"):
        await SettlementLine.filter(settlement_id=statement.id).delete()


async def test_the_owner_sees_the_forecast_schedule_and_statements(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    body = (await api.data(EXPECTED, {"id": gid("Store", 1)}, token=owner))["store"]
    period = settlements.current_month(datetime.now(UTC), "Asia/Seoul")
    assert body["expectedSettlement"]["periodStart"] == period.start.isoformat()
    assert {line["kind"] for line in body["expectedSettlement"]["lines"]} >= {"SUBSCRIPTION"}
    schedule = body["settlementSchedule"]
    assert schedule["processingDate"] == period.processing_date.isoformat()
    assert schedule["payoutDate"].endswith("-10") and schedule["disputeDays"] == 7
    refs = [e["node"]["taxInvoiceRef"] for e in body["settlements"]["edges"]]
    assert len(refs) == 2 and all(ref.startswith("DGL-") and ref.endswith("000001") for ref in refs)


def test_the_dispute_window_ends_with_the_seventh_day_of_the_stores_calendar() -> None:
    issued = datetime(2030, 2, 1, 1, 0, tzinfo=UTC)  # 10:00 in Seoul on 1 February
    assert dispute_closes_at(issued, "Asia/Seoul") == datetime(2030, 2, 7, 15, 0, tzinfo=UTC)


def test_a_job_that_was_down_catches_up_from_the_last_statement() -> None:
    # given a store of Seoul opened on 15 March
    store = Store(id=9, time_zone="Asia/Seoul", created_at=datetime(2030, 3, 15, 3, tzinfo=UTC))
    june_3 = datetime(2030, 6, 3, tzinfo=UTC)
    # then its due months are those since it opened, or since its last statement
    assert [p.start for p in due_periods(store, None, june_3)] == [
        date(2030, 3, 1),
        date(2030, 4, 1),
        date(2030, 5, 1),
    ]
    assert [p.start for p in due_periods(store, date(2030, 4, 1), june_3)] == [date(2030, 5, 1)]
    assert due_periods(store, date(2030, 5, 1), june_3) == []
    # and a month ends at midnight in the store's time zone, not in UTC
    just_before = datetime(2030, 5, 31, 14, 59, tzinfo=UTC)  # 23:59 on 31 May in Seoul
    assert [p.start for p in due_periods(store, date(2030, 3, 1), just_before)] == [
        date(2030, 4, 1)
    ]
