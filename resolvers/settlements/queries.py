"""Reading statements: a store's list, a statement's lines and disputes."""

from __future__ import annotations

from models.settlements import Settlement, SettlementDispute, SettlementLine


async def settlements_page(*, store_id: int, size: int, before_id: int | None) -> list[Settlement]:
    """Newest period first; one more than asked."""
    query = Settlement.filter(store_id=store_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


async def lines_of(settlement_ids: list[int]) -> list[list[SettlementLine]]:
    grouped: dict[int, list[SettlementLine]] = {i: [] for i in settlement_ids}
    for line in await SettlementLine.filter(settlement_id__in=settlement_ids).order_by(
        "settlement_id", "position"
    ):
        grouped[line.settlement_id].append(line)
    return [grouped[i] for i in settlement_ids]


async def disputes_of(settlement_ids: list[int]) -> list[list[SettlementDispute]]:
    grouped: dict[int, list[SettlementDispute]] = {i: [] for i in settlement_ids}
    for dispute in await SettlementDispute.filter(settlement_id__in=settlement_ids).order_by("id"):
        grouped[dispute.settlement_id].append(dispute)
    return [grouped[i] for i in settlement_ids]
