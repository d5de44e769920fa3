"""A CSV import never freezes the server: linear steps, a column cap, parsing off the loop."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest

from models.customers import Customer
from resolvers.customers import csv_import
from tests.client import Api
from tests.customers.helpers import STORE1, owner

IMPORT = """
mutation($input: ImportCustomersInput!) { importCustomers(input: $input) {
  __typename
  ... on ImportCustomersReport { imported rejected }
  ... on CsvColumnsInvalid { unknownColumns missingColumns }
  ... on CsvTooLarge { maxRows maxColumns }
  ... on UserError { code message field }
} }
"""


async def _import(api: Api, text: str) -> dict[str, Any]:
    data = await api.data(
        IMPORT, {"input": {"storeId": STORE1, "csv": text}}, token=await owner(api)
    )
    return data["importCustomers"]


async def test_a_header_of_a_hundred_thousand_columns_is_refused_at_once(api: Api) -> None:
    # given a 690 KB header row of 100,000 columns
    header = ",".join(f"c{n}" for n in range(100_000)) + "\n"
    assert len(header) > 680_000
    # when
    report = await _import(api, header + "김민수,010-1234-5678\n")
    # then a typed error names the cap, without listing the columns back
    assert report["__typename"] == "CsvTooLarge"
    assert report["code"] == "CSV_TOO_LARGE" and report["field"] == "csv"
    assert report["maxColumns"] == csv_import.MAX_COLUMNS
    assert "100,000" in report["message"]
    assert not await Customer.filter(store_id=1).exists()


async def test_a_header_at_the_cap_still_names_its_unknown_and_repeated_columns(
    api: Api,
) -> None:
    # given a header of exactly MAX_COLUMNS names, most repeated
    names = ["name", "phone"] + ["phone"] * 20 + [f"x{n}" for n in range(28)]
    assert len(names) == csv_import.MAX_COLUMNS
    # when
    report = await _import(api, ",".join(names) + "\n")
    # then
    assert report["__typename"] == "CsvColumnsInvalid"
    assert report["unknownColumns"] == [f"x{n}" for n in range(28)] + ["phone"]
    assert report["missingColumns"] == []


async def test_the_server_answers_while_an_import_parses(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an import whose parsing waits until /healthz has answered: possible only when
    # parsing runs off the event loop (on the loop, the wait would hold the server)
    parsing, healthy = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    prepare = csv_import.prepare

    def waiting_prepare(*args: Any) -> list[csv_import.RowReport]:
        parsing.set()
        seen["healthz answered during the parse"] = healthy.wait(timeout=60)
        return prepare(*args)

    monkeypatch.setattr(csv_import, "prepare", waiting_prepare)
    token = await owner(api)

    async def health_once_parsing() -> int:
        while not parsing.is_set():
            await asyncio.sleep(0.01)
        response = await api.client.get("/healthz")
        healthy.set()
        return response.status_code

    # when
    imported, status = await asyncio.gather(
        api.data(
            IMPORT,
            {"input": {"storeId": STORE1, "csv": "name,phone\n김민수,010-1234-5678\n"}},
            token=token,
        ),
        health_once_parsing(),
    )
    # then
    assert status == 200
    assert seen == {"healthz answered during the parse": True}
    assert imported["importCustomers"]["imported"] == 1
