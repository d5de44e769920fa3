from __future__ import annotations

import csv
import io
from typing import Any

from core.errors import CsvTooLarge
from models.audit import AuditEntry
from models.customers import Customer, CustomerTag
from resolvers.customers.csv_import import MAX_ROWS, parse
from tests.client import Api, error_code, gid
from tests.customers import factories
from tests.customers.helpers import STORE1, owner

IMPORT = """
mutation($input: ImportCustomersInput!) { importCustomers(input: $input) {
  __typename
  ... on ImportCustomersReport { imported rejected rows { row status customerId errors
    { field message } } }
  ... on CsvColumnsInvalid { unknownColumns missingColumns }
  ... on CsvMalformed { line }
  ... on CsvTooLarge { maxRows }
  ... on UserError { code message field }
} }
"""
EXPORT = """
mutation($input: ExportCustomersInput!) { exportCustomers(input: $input) {
  __typename ... on ExportCustomersSuccess { csv rowCount masked } ... on UserError { code }
} }
"""
HEADER = "name,phone,birth_year,gender,marketing_consent,source_channel,tags\n"


async def _import(
    api: Api, text: str, skip: bool = False, token: str | None = None
) -> dict[str, Any]:
    data = await api.data(
        IMPORT,
        {"input": {"storeId": STORE1, "csv": text, "skipInvalidRows": skip}},
        token=token or await owner(api),
    )
    return data["importCustomers"]


async def test_a_valid_file_with_a_bom_imports_every_row(api: Api) -> None:
    # given
    text = (
        "\ufeff"
        + HEADER
        + '김민수,010-1234-5678,1990,MALE,yes,referral,단골;vip\n"이, 영희",+82 10 2222 3333,,,,,\n'
    )
    # when
    report = await _import(api, text)
    # then
    assert report["imported"] == 2 and report["rejected"] == 0
    assert [r["status"] for r in report["rows"]] == ["IMPORTED", "IMPORTED"]
    assert [r["row"] for r in report["rows"]] == [2, 3]
    assert await Customer.filter(store_id=1).count() == 2
    imported: list[Any] = (
        await Customer.filter(store_id=1).order_by("id").values_list("id", flat=True)
    )
    assert [r["customerId"] for r in report["rows"]] == [gid("Customer", pk) for pk in imported]
    assert await CustomerTag.filter(tag="단골").count() == 1
    assert await AuditEntry.filter(action="customers.import").count() == 1


async def test_one_invalid_row_imports_nothing_and_names_its_fields(api: Api) -> None:
    # given
    existing = await factories.customer(1, phone="010-9999-0000")
    text = HEADER + (
        "김민수,010-1234-5678,,,,,\n"
        ",010-12,1800,ROBOT,maybe,,\n"
        "박서준,01012345678,,,,,\n"
        "최지우,010-9999-0000,,,,,\n"
    )
    # when
    report = await _import(api, text)
    # then
    assert report["imported"] == 0 and report["rejected"] == 3
    rows = {r["row"]: r for r in report["rows"]}
    assert rows[2]["status"] == "NOT_IMPORTED"
    assert {e["field"] for e in rows[3]["errors"]} == {
        "name",
        "phone",
        "birth_year",
        "gender",
        "marketing_consent",
    }
    assert [e["field"] for e in rows[4]["errors"]] == ["phone"]
    assert "row 2" in rows[4]["errors"][0]["message"]
    assert [e["field"] for e in rows[5]["errors"]] == ["phone"]
    assert rows[5]["errors"][0]["message"] == (
        f"A customer with this phone exists already ({gid('Customer', existing.id)})."
    )
    assert [r["customerId"] for r in report["rows"]] == [None] * 4
    assert await Customer.filter(store_id=1).count() == 1


async def test_skip_invalid_rows_imports_the_valid_ones(api: Api) -> None:
    # when
    report = await _import(api, HEADER + "김민수,010-1234-5678,,,,,\n,bad,,,,,\n", skip=True)
    # then
    assert (report["imported"], report["rejected"]) == (1, 1)
    assert [r["status"] for r in report["rows"]] == ["IMPORTED", "INVALID"]
    assert await Customer.filter(store_id=1).count() == 1


async def test_wrong_columns_and_broken_quoting_are_typed_errors(api: Api) -> None:
    # when
    wrong = await _import(api, "name,mobile,email\n김민수,010-1234-5678,a@b.c\n")
    broken = await _import(api, HEADER + '"김민수,010-1234-5678,,,,,\n')
    stray = await _import(api, HEADER + '김"민"수",010-1234-5678,,,,,\n"a"b,010-1234-5679,,,,,\n')
    empty = await _import(api, "")
    # then
    assert wrong["__typename"] == "CsvColumnsInvalid"
    assert (wrong["unknownColumns"], wrong["missingColumns"]) == (["mobile", "email"], ["phone"])
    assert broken["__typename"] == "CsvMalformed"
    assert stray["__typename"] == "CsvMalformed"
    assert empty["__typename"] == "CsvColumnsInvalid"
    assert await Customer.all().count() == 0


async def test_a_row_with_a_wrong_number_of_cells_is_a_row_error(api: Api) -> None:
    report = await _import(api, HEADER + "김민수,010-1234-5678\n")
    assert report["rows"][0]["errors"][0]["field"] == "csv"
    assert await Customer.all().count() == 0


async def test_too_many_rows_is_refused(api: Api) -> None:
    # given
    text = "name,phone\n" + "a,1\n" * (MAX_ROWS + 1)
    # when
    try:
        parse(text)
        refused = False
    except CsvTooLarge:
        refused = True
    # then
    assert refused
    assert await Customer.all().count() == 0


async def test_two_thousand_rows_import_in_one_call(api: Api) -> None:
    # given
    lines = [f"고객{n},010-{4000 + n // 10000:04d}-{n % 10000:04d},,,,,vip" for n in range(2000)]
    # when
    report = await _import(api, HEADER + "\n".join(lines) + "\n")
    # then
    assert report["imported"] == 2000
    assert await Customer.filter(store_id=1).count() == 2000
    assert await CustomerTag.filter(tag="vip").count() == 2000


async def test_staff_cannot_import_or_export(api: Api) -> None:
    # given
    token = await api.token("staff1@dangol.test")
    # when
    imported = await api.gql(
        IMPORT,
        {"input": {"storeId": STORE1, "csv": HEADER + "김민수,010-1234-5678,,,,,\n"}},
        token=token,
    )
    exported = await api.gql(EXPORT, {"input": {"storeId": STORE1}}, token=token)
    # then
    assert error_code(imported) == error_code(exported) == "FORBIDDEN"
    assert await Customer.all().count() == 0
    assert not await AuditEntry.filter(action="customers.export").exists()


async def test_export_is_utf8_with_bom_keeps_korean_and_is_audited(api: Api) -> None:
    # given
    kim = await factories.customer(1, name="김민수", phone="010-1234-5678", tags=("단골",))
    await factories.customer(2, name="다른가게")
    # when
    result = (await api.data(EXPORT, {"input": {"storeId": STORE1}}, token=await owner(api)))[
        "exportCustomers"
    ]
    # then
    assert result["csv"].startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result["csv"].removeprefix("\ufeff"))))
    assert result["rowCount"] == 1 and result["masked"] is False
    assert (rows[0]["id"], rows[0]["name"], rows[0]["phone"], rows[0]["tags"]) == (
        gid("Customer", kim.id),
        "김민수",
        "010-1234-5678",
        "단골",
    )
    assert result["csv"].encode("utf-8").startswith(b"\xef\xbb\xbf")
    assert await AuditEntry.filter(action="customers.export", store_id=1).count() == 1


async def test_an_exported_file_imports_into_another_store(api: Api) -> None:
    # given
    await factories.customer(1, name="김민수", phone="010-1234-5678")
    exported = (await api.data(EXPORT, {"input": {"storeId": STORE1}}, token=await owner(api)))[
        "exportCustomers"
    ]["csv"]
    text = "\n".join(
        ",".join(r[c] for c in ("name", "phone"))
        for r in csv.DictReader(io.StringIO(exported.removeprefix("\ufeff")))
    )
    # when
    data = await api.data(
        IMPORT,
        {"input": {"storeId": "U3RvcmU6Mg==", "csv": "name,phone\n" + text}},
        token=await owner(api, 2),
    )
    # then
    assert data["importCustomers"]["imported"] == 1
