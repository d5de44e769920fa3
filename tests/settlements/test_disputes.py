"""Disputes: within 7 days of issue (day 7 yes, day 8 no), one open at a time, resolved by an
admin, audited and told to the owners; an accepted one lands on the next statement."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from models.audit import AuditEntry
from models.customers import StoreAlert
from models.settlements import Settlement, SettlementAdjustment, SettlementDispute
from models.stores import Store
from resolvers import settlements
from resolvers.settlements import DisputeWindowClosed
from tests.authorization.rows_settlements import fresh_settlement
from tests.client import Api, gid
from tests.settlements.helpers import context_of

KST = timedelta(hours=9)
DISPUTE = """
mutation($input: DisputeSettlementInput!) {
  disputeSettlement(input: $input) {
    __typename
    ... on SettlementDisputeSuccess { dispute { id status } }
    ... on DisputeAlreadyOpen { disputeId }
    ... on DisputeWindowClosed { closedAt }
    ... on UserError { code }
  }
}
"""
RESOLVE = """
mutation($input: ResolveSettlementDisputeInput!) {
  resolveSettlementDispute(input: $input) {
    __typename
    ... on SettlementDisputeSuccess { dispute { id status note resolvedAt } }
    ... on UserError { code field }
  }
}
"""


async def _issued_on_1_february(year: int) -> Settlement:
    store = await Store.get(id=1)
    issued = await settlements.issue(
        store,
        settlements.month_of(date(year, 1, 1), store.time_zone),
        now=datetime(year, 2, 1, 1, 0, tzinfo=UTC),  # 10:00 in Seoul
    )
    assert issued is not None
    return issued


async def test_a_dispute_on_day_7_is_taken_and_on_day_8_refused(app: Any, api: Api) -> None:
    # given a statement issued on 1 February (day 1) in Seoul
    statement = await _issued_on_1_february(2030)
    owner = await context_of(app, "owner1@dangol.test")
    last_minute_of_day_7 = datetime(2030, 2, 7, 23, 59, 59, tzinfo=UTC) - KST
    first_moment_of_day_8 = datetime(2030, 2, 8, 0, 0, tzinfo=UTC) - KST
    # when disputed on day 8
    with pytest.raises(DisputeWindowClosed) as closed:
        await settlements.dispute_settlement(
            owner, settlement_id=statement.id, reason="늦은 이의", now=first_moment_of_day_8
        )
    # then it is refused and nothing was recorded
    assert closed.value.extra["closed_at"] == first_moment_of_day_8
    assert not await SettlementDispute.exists(settlement_id=statement.id)
    # when disputed in the last second of day 7
    dispute = await settlements.dispute_settlement(
        owner, settlement_id=statement.id, reason="컵홀더 수량이 다릅니다", now=last_minute_of_day_7
    )
    # then it is open
    assert dispute.status.value == "OPEN"


async def test_one_open_dispute_per_statement_then_an_admin_accepts_it(app: Any, api: Api) -> None:
    # given a statement issued now
    statement = await fresh_settlement(1)
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    variables = {"input": {"settlementId": gid("Settlement", statement.id), "reason": "수량 오류"}}
    # when the owner disputes it twice
    first = (await api.data(DISPUTE, variables, token=owner))["disputeSettlement"]
    second = (await api.data(DISPUTE, variables, token=owner))["disputeSettlement"]
    # then the second is refused, naming the open one
    assert first["__typename"] == "SettlementDisputeSuccess"
    assert second == {
        "__typename": "DisputeAlreadyOpen",
        "disputeId": first["dispute"]["id"],
        "code": "DISPUTE_ALREADY_OPEN",
    }
    # when the admin accepts it with a credit of 3,000 won
    accepted = (
        await api.data(
            RESOLVE,
            {
                "input": {
                    "disputeId": first["dispute"]["id"],
                    "outcome": "ACCEPTED",
                    "adjustment": -3000,
                    "note": "확인됨",
                }
            },
            token=admin,
        )
    )["resolveSettlementDispute"]
    again = (
        await api.data(
            RESOLVE,
            {"input": {"disputeId": first["dispute"]["id"], "outcome": "REJECTED", "note": "x"}},
            token=admin,
        )
    )["resolveSettlementDispute"]
    # then it is accepted once, the statement is untouched, and the credit waits for the next one
    assert accepted["dispute"]["status"] == "ACCEPTED"
    assert again["code"] == "DISPUTE_NOT_OPEN"
    assert (await Settlement.get(id=statement.id)).net_amount == statement.net_amount
    adjustment = await SettlementAdjustment.get(corrects_id=statement.id)
    assert (adjustment.amount, adjustment.settlement_id) == (-3000, None)
    forecast = await settlements.expected(1)
    assert forecast is not None and forecast.adjustments == -3000
    # and a new dispute may be opened now that none is open
    third = (await api.data(DISPUTE, variables, token=owner))["disputeSettlement"]
    assert third["__typename"] == "SettlementDisputeSuccess"
    # and every step was audited and told to the owner (not the manager)
    actions = await AuditEntry.filter(
        target_type="settlement", target_id=str(statement.id)
    ).values_list("action", flat=True)
    assert sorted(actions) == ["settlements.dispute", "settlements.dispute", "settlements.resolve"]
    alerts = await StoreAlert.filter(store_id=1, kind="SETTLEMENT_ISSUED").prefetch_related(
        "recipient"
    )
    told = [
        (a.recipient.email, a.payload["event"])
        for a in alerts
        if a.payload.get("settlement_id") == statement.id
    ]
    assert told == [
        ("owner1@dangol.test", "dispute_opened"),
        ("owner1@dangol.test", "dispute_resolved"),
        ("owner1@dangol.test", "dispute_opened"),
    ]


async def test_a_rejection_needs_a_note_and_carries_no_adjustment(app: Any, api: Api) -> None:
    statement = await fresh_settlement(1)
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    opened = (
        await api.data(
            DISPUTE,
            {"input": {"settlementId": gid("Settlement", statement.id), "reason": "확인 요청"}},
            token=owner,
        )
    )["disputeSettlement"]
    dispute_id = opened["dispute"]["id"]
    no_note = (
        await api.data(
            RESOLVE, {"input": {"disputeId": dispute_id, "outcome": "REJECTED"}}, token=admin
        )
    )["resolveSettlementDispute"]
    with_money = (
        await api.data(
            RESOLVE,
            {
                "input": {
                    "disputeId": dispute_id,
                    "outcome": "REJECTED",
                    "note": "정상",
                    "adjustment": 100,
                }
            },
            token=admin,
        )
    )["resolveSettlementDispute"]
    rejected = (
        await api.data(
            RESOLVE,
            {"input": {"disputeId": dispute_id, "outcome": "REJECTED", "note": "사용량 정상 확인"}},
            token=admin,
        )
    )["resolveSettlementDispute"]
    assert (no_note["code"], no_note["field"]) == ("INVALID_INPUT", "note")
    assert (with_money["code"], with_money["field"]) == ("INVALID_INPUT", "adjustment")
    assert rejected["dispute"]["status"] == "REJECTED"
    assert not await SettlementAdjustment.exists(corrects_id=statement.id)


async def test_a_late_dispute_through_the_api_is_the_typed_error(api: Api) -> None:
    statement = await _issued_on_1_february(2020)  # its window closed long ago
    owner = await api.token("owner1@dangol.test")
    body = await api.data(
        DISPUTE,
        {"input": {"settlementId": gid("Settlement", statement.id), "reason": "늦음"}},
        token=owner,
    )
    assert body["disputeSettlement"]["__typename"] == "DisputeWindowClosed"
    assert body["disputeSettlement"]["closedAt"].startswith("2020-02-07T15:00:00")
