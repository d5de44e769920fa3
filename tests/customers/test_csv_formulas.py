"""CSV exports neutralise formulas (OWASP CSV injection); the import report says so."""

from __future__ import annotations

import csv
import io
from typing import Any

from core.spreadsheets import safe_cell
from models.settlements import Settlement, SettlementLine, SettlementLineKind
from models.stores import Store
from tests.client import Api, gid
from tests.customers import factories
from tests.customers.helpers import STORE1, owner

FORMULAS = [
    "=cmd|' /C calc'!A0",
    '+HYPERLINK("http://evil.test","보기")',
    "@SUM(1+1)",
    "-2+3+cmd|' /C calc'!A0",
]
EXPORT = """
mutation($input: ExportCustomersInput!) { exportCustomers(input: $input) {
  ... on ExportCustomersSuccess { csv rowCount neutralisedCells } } }
"""
IMPORT = """
mutation($input: ImportCustomersInput!) { importCustomers(input: $input) {
  ... on ImportCustomersReport { imported rows { row status notes { field message } } } } }
"""


def _rows(text: str) -> list[dict[str, Any]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_only_text_that_is_not_a_plain_number_is_neutralised() -> None:
    # every start OWASP names, for text; numbers (typed or written) are not formulas
    assert [safe_cell(f) for f in FORMULAS] == [f"'{f}" for f in FORMULAS]
    assert safe_cell("\tx") == "'\tx" and safe_cell("\r=1") == "'\r=1"
    assert [safe_cell(v) for v in (-1200, 3.5, "-1200", "+821012345678", "-3.5")] == [
        -1200,
        3.5,
        "-1200",
        "+821012345678",
        "-3.5",
    ]
    assert [safe_cell(v) for v in ("김민수", "010-1234-5678", "", "a=b", "-")] == [
        "김민수",
        "010-1234-5678",
        "",
        "a=b",
        "'-",
    ]


async def test_the_customer_export_writes_formulas_as_text(api: Api) -> None:
    # given customers whose names are formulas, and one plain name
    for name in FORMULAS:
        await factories.customer(1, name=name, total_paid=1200)
    await factories.customer(1, name="김민수", total_paid=1200)
    # when the owner exports them whole
    data = await api.data(EXPORT, {"input": {"storeId": STORE1}}, token=await owner(api))
    # then each formula starts with a quote, and numbers are numbers still
    export = data["exportCustomers"]
    rows = _rows(export["csv"])
    assert [row["name"] for row in rows] == [f"'{f}" for f in FORMULAS] + ["김민수"]
    assert {row["total_paid"] for row in rows} == {"1200"}
    assert export["neutralisedCells"] == len(FORMULAS)


async def test_the_import_report_says_which_names_exports_will_neutralise(api: Api) -> None:
    # given
    text = "name,phone\n" + "".join(
        f'"{name.replace(chr(34), chr(34) * 2)}",010-7000-{n:04d}\n'
        for n, name in enumerate([*FORMULAS, "김민수"])
    )
    # when
    data = await api.data(
        IMPORT, {"input": {"storeId": STORE1, "csv": text}}, token=await owner(api)
    )
    # then the names are kept as written, and each formula row carries a note
    report = data["importCustomers"]
    assert report["imported"] == 5
    noted = [[note["field"] for note in row["notes"]] for row in report["rows"]]
    assert noted == [["name"]] * len(FORMULAS) + [[]]
    assert "leading '" in report["rows"][0]["notes"][0]["message"]
    listed = await api.data(
        "query($id: ID!) { store(id: $id) { customers(first: 10) { edges { node { name } } } } }",
        {"id": STORE1},
        token=await owner(api),
    )
    names = {edge["node"]["name"] for edge in listed["store"]["customers"]["edges"]}
    assert names == {*FORMULAS, "김민수"}


async def test_the_settlement_csv_writes_formulas_as_text_and_amounts_as_numbers(
    api: Api,
) -> None:
    # given a statement whose store name and a line's description (an admin's words) are
    # formulas, the line a negative amount
    statement = await Settlement.filter(store_id=1).order_by("id").first()
    assert statement is not None
    await Store.filter(id=1).update(name='=HYPERLINK("http://evil.test")')
    await SettlementLine.create(
        settlement_id=statement.id,
        position=99,
        kind=SettlementLineKind.ADJUSTMENT,
        description="@SUM(1+1)",
        amount=-1200,
    )
    links = await api.data(
        "query($id: ID!) { node(id: $id) { ... on Settlement { csv { url } } } }",
        {"id": gid("Settlement", statement.id)},
        token=await owner(api),
    )
    # when
    response = await api.client.get(links["node"]["csv"]["url"])
    # then
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["매장", '\'=HYPERLINK("http://evil.test")']
    described = [row for row in rows if len(row) == 5 and row[1] == "'@SUM(1+1)"]
    assert len(described) == 1 and described[0][4] == "-1200"
