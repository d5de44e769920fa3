"""Evidence (H4): a statement as CSV (UTF-8 with a BOM, so Excel reads the Korean) and as PDF.

The CSV neutralises text a spreadsheet would run as a formula (core.spreadsheets); amounts are
numbers and stay as they are, negative ones included.

The PDF uses reportlab's built-in Korean CID font (HYGothic-Medium): no font file to
ship; the reader's viewer supplies the glyphs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

from core.spreadsheets import SafeCsvWriter
from models.settlements import Settlement, SettlementLine, SettlementLineKind
from models.stores import Store

FONT = "HYGothic-Medium"
KIND_NAMES = {
    SettlementLineKind.CUP_HOLDER: "컵홀더 비용",
    SettlementLineKind.SUBSCRIPTION: "멤버십 구독료",
    SettlementLineKind.INCENTIVE: "인센티브",
    SettlementLineKind.ADJUSTMENT: "조정",
}
CSV_TYPE = "text/csv; charset=utf-8"
PDF_TYPE = "application/pdf"


@dataclass(frozen=True)
class EvidenceFile:
    content: bytes
    filename: str
    content_type: str


def won(amount: int) -> str:
    return f"{amount:,}원"


def payer_line(net_amount: int) -> str:
    if net_amount > 0:
        return f"매장이 지급할 금액: {won(net_amount)}"
    if net_amount < 0:
        return f"플랫폼이 지급할 금액: {won(-net_amount)}"
    return "정산 금액 없음: 0원"


async def _statement(
    store_id: int, settlement_id: int
) -> tuple[Settlement, Store, list[SettlementLine]] | None:
    settlement = await Settlement.get_or_none(id=settlement_id, store_id=store_id)
    if settlement is None:
        return None
    store = await Store.get(id=store_id)
    lines = await SettlementLine.filter(settlement_id=settlement_id).order_by("position")
    return settlement, store, lines


def filename(period_start: date, tax_invoice_ref: str, extension: str) -> str:
    return f"정산서_{period_start:%Y-%m}_{tax_invoice_ref}.{extension}"


def _filename(settlement: Settlement, extension: str) -> str:
    return filename(settlement.period_start, settlement.tax_invoice_ref, extension)


async def settlement_csv(store_id: int, settlement_id: int) -> EvidenceFile | None:
    """None when the statement does not exist or is not of ``store_id``."""
    found = await _statement(store_id, settlement_id)
    if found is None:
        return None
    settlement, store, lines = found
    text = io.StringIO()
    writer = SafeCsvWriter(text)
    writer.writerow(["매장", store.name])
    writer.writerow(
        ["정산 기간", settlement.period_start.isoformat(), settlement.period_end.isoformat()]
    )
    writer.writerow(["세금계산서 번호", settlement.tax_invoice_ref])
    writer.writerow(["처리일", settlement.processing_date.isoformat()])
    writer.writerow(["입금 예정일", settlement.payout_date.isoformat()])
    writer.writerow([])
    writer.writerow(["항목", "내용", "수량", "단가", "금액"])
    for line in lines:
        writer.writerow(
            [KIND_NAMES[line.kind], line.description, line.quantity, line.unit_amount, line.amount]
        )
    writer.writerow([])
    writer.writerow(
        ["합계(순액)", payer_line(settlement.net_amount), "", "", settlement.net_amount]
    )
    content = "\ufeff" + text.getvalue()
    return EvidenceFile(content.encode("utf-8"), _filename(settlement, "csv"), CSV_TYPE)


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


async def settlement_pdf(store_id: int, settlement_id: int) -> EvidenceFile | None:
    found = await _statement(store_id, settlement_id)
    if found is None:
        return None
    settlement, store, lines = found
    font = _font()
    buffer = io.BytesIO()
    pdf = Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"정산서 {settlement.tax_invoice_ref}")
    width, height = A4
    y = height - 60

    def write(text: str, size: int = 10, x: float = 50, step: float = 16) -> None:
        nonlocal y
        if y < 60:
            pdf.showPage()
            y = height - 60
        pdf.setFont(font, size)
        pdf.drawString(x, y, text)
        y -= step

    issued = settlement.issued_at.astimezone(ZoneInfo(store.time_zone))
    write("정산서", size=18, step=28)
    write(f"매장: {store.name}")
    write(f"정산 기간: {settlement.period_start.isoformat()} ~ {settlement.period_end.isoformat()}")
    write(f"발행일: {issued:%Y-%m-%d}")
    write(f"세금계산서 번호: {settlement.tax_invoice_ref}")
    write(f"처리일: {settlement.processing_date}  입금 예정일: {settlement.payout_date}")
    closes = settlement.dispute_closes_at.astimezone(ZoneInfo(store.time_zone))
    write(f"이의 신청 기한: {closes:%Y-%m-%d %H:%M} 전까지", step=28)
    for line in lines:
        write(f"{KIND_NAMES[line.kind]} | {line.description}")
        write(
            f"수량 {line.quantity:,}  단가 {won(line.unit_amount)}  금액 {won(line.amount)}", x=70
        )
    y -= 12
    write(
        f"컵홀더 비용 {won(settlement.cup_holder_cost)}  구독료 {won(settlement.subscription_fee)}"
    )
    write(f"인센티브 {won(settlement.incentives)}  조정 {won(settlement.adjustments)}")
    write(payer_line(settlement.net_amount), size=13)
    pdf.showPage()
    pdf.save()
    return EvidenceFile(buffer.getvalue(), _filename(settlement, "pdf"), PDF_TYPE)
