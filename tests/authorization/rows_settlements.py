"""Settlements (H): the owner's and the admin's alone. Managers, staff and partner keys are
refused every field (a statement reached by id is absent to them); disputes are resolved by
admins only."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

from models.settlements import Settlement, SettlementDispute
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid

SETTLEMENTS = "query($id: ID!) { store(id: $id) { id settlements { edges { node { id } } } } }"
SCHEDULE = "query($id: ID!) { store(id: $id) { id settlementSchedule { payoutDate } } }"
EXPECTED = "query($id: ID!) { store(id: $id) { id expectedSettlement { netAmount } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Settlement { netAmount lines { amount } } } }"
CSV = "query($id: ID!) { node(id: $id) { id ... on Settlement { csv { url } } } }"
PDF = "query($id: ID!) { node(id: $id) { id ... on Settlement { pdf { url } } } }"
DISPUTE = """
mutation($input: DisputeSettlementInput!) { disputeSettlement(input: $input) { __typename } }
"""
RESOLVE = """
mutation($input: ResolveSettlementDisputeInput!) {
  resolveSettlementDispute(input: $input) { __typename }
}
"""
_years = itertools.count(1900)

OWNER_ONLY = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
BY_ID: Expectations = {
    **OWNER_ONLY,
    "manager": (ABSENT, ABSENT),
    "staff": (ABSENT, ABSENT),
    "partner": (ABSENT, ABSENT),
}


async def fresh_settlement(store_id: int) -> Settlement:
    """A statement issued now for a month of its own (far in the past), open to disputes."""
    start = date(next(_years), 1, 1)
    now = datetime.now(UTC)
    return await Settlement.create(
        store_id=store_id,
        period_start=start,
        period_end=start.replace(day=31),
        starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=9),
        plan="PLUS",
        cup_holder_cost=1000,
        subscription_fee=19_900,
        incentives=0,
        adjustments=0,
        net_amount=20_900,
        tax_invoice_ref=f"TEST-{start:%Y}-{store_id}",
        issued_at=now,
        processing_date=start,
        payout_date=start,
        dispute_closes_at=now + timedelta(days=7),
    )


async def _demo_settlement(w: World, target: str) -> dict:
    found = await Settlement.filter(store_id=w.store_id(target)).order_by("id").first()
    assert found is not None, "the demo data issues two statements per store"
    return {"id": gid("Settlement", found.id)}


async def _dispute(w: World, target: str) -> dict:
    settlement = await fresh_settlement(w.store_id(target))
    return {
        "input": {"settlementId": gid("Settlement", settlement.id), "reason": "컵홀더 수량 오류"}
    }


async def _resolve(w: World, target: str) -> dict:
    settlement = await fresh_settlement(w.store_id(target))
    dispute = await SettlementDispute.create(
        settlement_id=settlement.id,
        store_id=settlement.store_id,
        reason="수량 확인 요청",
        open_settlement_id=settlement.id,
        opened_at=datetime.now(UTC),
    )
    return {
        "input": {
            "disputeId": gid("SettlementDispute", dispute.id),
            "outcome": "ACCEPTED",
            "adjustment": -3000,
            "note": "확인 후 정정",
        }
    }


ROWS = [
    Row("Store.settlements", SETTLEMENTS, lambda w, t: {"id": w.store(t)}, **OWNER_ONLY),
    Row("Store.settlementSchedule", SCHEDULE, lambda w, t: {"id": w.store(t)}, **OWNER_ONLY),
    Row("Store.expectedSettlement", EXPECTED, lambda w, t: {"id": w.store(t)}, **OWNER_ONLY),
    Row("Query.node", NODE, _demo_settlement, variant="Settlement", **BY_ID),
    Row("Settlement.csv", CSV, _demo_settlement, **BY_ID),
    Row("Settlement.pdf", PDF, _demo_settlement, **BY_ID),
    Row("Mutation.disputeSettlement", DISPUTE, _dispute, **OWNER_ONLY),
    Row(
        "Mutation.resolveSettlementDispute",
        RESOLVE,
        _resolve,
        admin=(OK, OK),
        owner=(FORBIDDEN, ABSENT),
        manager=(FORBIDDEN, ABSENT),
        staff=(FORBIDDEN, ABSENT),
        partner=(FORBIDDEN, ABSENT),
        anonymous=UNAUTHENTICATED,
        other_owner=(ABSENT, FORBIDDEN),
    ),
]
