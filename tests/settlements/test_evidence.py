"""Evidence: a statement as CSV (UTF-8 with BOM) and a Korean PDF with its tax-invoice reference,
through signed links that fetch nothing of another store."""

from __future__ import annotations

import csv
import io
from typing import Any
from urllib.parse import quote

from pypdf import PdfReader

from core.files import FileClaim
from models.settlements import Settlement
from tests.client import Api, gid

LINKS = """
query($id: ID!) {
  node(id: $id) {
    ... on Settlement {
      taxInvoiceRef netAmount incentives
      csv { url filename contentType expiresAt }
      pdf { url filename contentType }
    }
  }
}
"""


async def _links(api: Api, email: str, settlement_id: int) -> dict[str, Any]:
    token = await api.token(email)
    body = await api.data(LINKS, {"id": gid("Settlement", settlement_id)}, token=token)
    return body["node"]


async def _statement(store_id: int) -> Settlement:
    found = await Settlement.filter(store_id=store_id).order_by("id").first()
    assert found is not None
    return found


async def test_the_csv_opens_in_excel_and_carries_every_line(api: Api) -> None:
    # given store 1's first demo statement
    statement = await _statement(1)
    links = await _links(api, "owner1@dangol.test", statement.id)
    # when the link is fetched with no credentials
    response = await api.client.get(links["csv"]["url"])
    # then it is a UTF-8 CSV with a byte-order mark, in Korean, with the reference and the net
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["매장", "카페 단골 성수점"]
    assert ["세금계산서 번호", statement.tax_invoice_ref] in rows
    assert ["항목", "내용", "수량", "단가", "금액"] in rows
    kinds = [
        row[0] for row in rows if row and row[0] in ("컵홀더 비용", "인센티브", "멤버십 구독료")
    ]
    assert kinds == ["컵홀더 비용", "인센티브", "멤버십 구독료"]
    assert rows[-1][0] == "합계(순액)" and int(rows[-1][-1]) == statement.net_amount
    assert (
        links["csv"]["filename"]
        == f"정산서_{statement.period_start:%Y-%m}_{statement.tax_invoice_ref}.csv"
    )
    assert quote(links["csv"]["filename"]) in response.headers["content-disposition"]


async def test_the_pdf_is_korean_text_with_the_tax_invoice_reference(api: Api) -> None:
    statement = await _statement(1)
    links = await _links(api, "owner1@dangol.test", statement.id)
    # when
    response = await api.client.get(links["pdf"]["url"])
    # then its text reads back
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "정산서" in text
    assert f"세금계산서 번호: {statement.tax_invoice_ref}" in text
    assert "카페 단골 성수점" in text
    assert "멤버십 구독료" in text and "인센티브" in text
    assert f"매장이 지급할 금액: {statement.net_amount:,}원" in text


async def test_a_link_of_one_store_fetches_nothing_of_another(app: Any, api: Api) -> None:
    # given a link signed for store 1 but naming store 2's statement
    other = await _statement(2)
    files = app.state.services.files
    forged = files.sign(FileClaim(kind="settlement.csv", object_id=other.id, store_id=1)).token
    own_kind_swapped = files.sign(
        FileClaim(kind="settlement.pdf", object_id=other.id, store_id=2)
    ).token
    # when
    refused = await api.client.get(f"/files/{forged}")
    allowed = await api.client.get(f"/files/{own_kind_swapped}")
    # then only the store's own statement is served
    assert refused.status_code == 404
    assert allowed.status_code == 200


async def test_other_owners_and_managers_get_no_link(api: Api) -> None:
    statement = await _statement(1)
    for email in ("owner2@dangol.test", "manager1@dangol.test", "staff1@dangol.test"):
        token = await api.token(email)
        body = await api.gql(LINKS, {"id": gid("Settlement", statement.id)}, token=token)
        assert body["data"]["node"] is None and "errors" not in body
