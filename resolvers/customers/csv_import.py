"""CSV import of customers: every row checked first; a bad row never half-imports.

Every step is linear in the size of the file, the header is refused past ``MAX_COLUMNS``
before anything else is looked at, and the work that needs no database (parsing, checking,
blind indexes, sealing) runs in a worker thread, so a large import never holds the event loop.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TypeVar

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.exceptions import IntegrityError

from core.context import Context
from core.database import marks, write_transaction
from core.errors import CsvColumnsInvalid, CsvMalformed, CsvTooLarge, UserError
from core.spreadsheets import formula_like
from models.customers import AgeBand, Customer, Gender, SourceChannel
from resolvers import audit
from resolvers.customers.fields import CustomerFields, clean_birth_year, clean_name, clean_tags
from resolvers.customers.records import allocate_ids, new_row
from resolvers.pii import PiiKeys, keys_for, normalise_phone

T = TypeVar("T")
# How a message names a customer by id (the schema passes its global ids).
CustomerRef = Callable[[int], str]
E = TypeVar("E", bound=Enum)

MAX_ROWS = 100_000
MAX_BYTES = 16 * 1024 * 1024
MAX_COLUMNS = 50
CHUNK = 1000
REQUIRED = ("name", "phone")
OPTIONAL = ("birth_year", "age_band", "gender", "marketing_consent", "source_channel", "tags")
ALIASES = {
    "이름": "name",
    "전화번호": "phone",
    "휴대폰": "phone",
    "출생연도": "birth_year",
    "연령대": "age_band",
    "성별": "gender",
    "마케팅동의": "marketing_consent",
    "유입경로": "source_channel",
    "태그": "tags",
}
FORMULA_NOTE = (
    "The name starts with '{start}', which a spreadsheet could run as a formula: it is kept "
    "as written, and exports write it with a leading ' so that spreadsheets show it as text."
)
TRUE = {"true", "yes", "y", "1", "o", "동의"}
FALSE = {"false", "no", "n", "0", "x", "", "미동의"}


class RowStatus(str, Enum):
    IMPORTED = "IMPORTED"
    INVALID = "INVALID"
    NOT_IMPORTED = "NOT_IMPORTED"


@dataclass
class RowReport:
    row: int
    status: RowStatus
    errors: list[tuple[str, str]] = field(default_factory=list)
    customer_id: int | None = None
    fields: CustomerFields | None = None
    phone_index: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportReport:
    imported: int
    rejected: int
    rows: list[RowReport]


def _records(text: str) -> Iterator[list[str]]:
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")), strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        raise CsvMalformed(
            f"The CSV is malformed near line {reader.line_num}: {exc}.",
            field="csv",
            line=reader.line_num,
        ) from exc


def _header(names: list[str]) -> list[str]:
    if len(names) > MAX_COLUMNS:
        raise CsvTooLarge(
            f"A CSV header names at most {MAX_COLUMNS} columns; this one names {len(names):,}.",
            field="csv",
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            max_columns=MAX_COLUMNS,
        )
    known = set(REQUIRED + OPTIONAL)
    columns = [ALIASES.get(n.strip(), n.strip().lower().replace(" ", "_")) for n in names]
    unknown = [n for n, c in zip(names, columns, strict=True) if c not in known]
    missing = [c for c in REQUIRED if c not in columns]
    repeated = sorted(c for c, times in Counter(columns).items() if times > 1)
    if unknown or missing or repeated:
        raise CsvColumnsInvalid(
            "The header must name the columns "
            + ", ".join(REQUIRED + OPTIONAL)
            + (f"; repeated: {', '.join(repeated)}" if repeated else ""),
            field="csv",
            unknown_columns=unknown + repeated,
            missing_columns=missing,
        )
    return columns


def _enum(kind: type[E], raw: str, default: E | None) -> E | None:
    value = raw.strip().upper().replace("-", "_").replace(" ", "_")
    if not value:
        return default
    return kind(value)


def _check(errors: list[tuple[str, str]], name: str, check: Callable[[], T]) -> T | None:
    try:
        return check()
    except (UserError, ValueError) as error:
        message = error.message if isinstance(error, UserError) else f"{name} is not valid."
        errors.append((name, message))
        return None


def _fields(values: dict[str, str], errors: list[tuple[str, str]]) -> CustomerFields | None:
    def get(name: str) -> str:
        return values.get(name, "").strip()

    name = _check(errors, "name", lambda: clean_name(get("name")))
    phone = _check(errors, "phone", lambda: normalise_phone(get("phone")))
    birth_year = _check(
        errors,
        "birth_year",
        lambda: clean_birth_year(int(get("birth_year")) if get("birth_year") else None),
    )
    age_band = _check(errors, "age_band", lambda: _enum(AgeBand, get("age_band"), None))
    gender = _check(errors, "gender", lambda: _enum(Gender, get("gender"), Gender.UNDISCLOSED))
    source = _check(
        errors,
        "source_channel",
        lambda: _enum(SourceChannel, get("source_channel"), SourceChannel.IMPORT),
    )
    consent = get("marketing_consent").lower()
    if consent not in TRUE | FALSE:
        errors.append(("marketing_consent", "marketing_consent must be true or false."))
    tags = _check(
        errors,
        "tags",
        lambda: clean_tags([t for t in get("tags").replace("|", ";").split(";") if t.strip()]),
    )
    if errors or name is None or phone is None or gender is None or source is None:
        return None
    return CustomerFields(
        name=name,
        phone=phone,
        birth_year=birth_year,
        age_band=age_band,
        gender=gender,
        marketing_consent=consent in TRUE,
        source_channel=source,
        tags=tags or (),
    )


def parse(text: str) -> list[RowReport]:
    if len(text) > MAX_BYTES:
        raise CsvTooLarge(
            "The CSV is too large.",
            field="csv",
            max_rows=MAX_ROWS,
            max_bytes=MAX_BYTES,
            max_columns=MAX_COLUMNS,
        )
    records = _records(text)
    header = next(records, None)
    if header is None:
        raise CsvColumnsInvalid(
            "The CSV is empty: it needs a header.", field="csv", missing_columns=list(REQUIRED)
        )
    columns = _header(header)
    reports: list[RowReport] = []
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(reports) >= MAX_ROWS:
            raise CsvTooLarge(
                f"A CSV holds at most {MAX_ROWS} rows.",
                field="csv",
                max_rows=MAX_ROWS,
                max_bytes=MAX_BYTES,
                max_columns=MAX_COLUMNS,
            )
        errors: list[tuple[str, str]] = []
        if len(record) != len(columns):
            errors.append(
                ("csv", f"The row has {len(record)} cells; the header names {len(columns)}.")
            )
            reports.append(RowReport(row=number, status=RowStatus.INVALID, errors=errors))
            continue
        fields = _fields(dict(zip(columns, record, strict=True)), errors)
        report = RowReport(
            number, RowStatus.INVALID if errors else RowStatus.NOT_IMPORTED, errors, None, fields
        )
        if fields is not None and formula_like(fields.name):
            report.notes.append(("name", FORMULA_NOTE.format(start=fields.name[0])))
        reports.append(report)
    return reports


def _index_phones(keys: PiiKeys, store_id: int, reports: list[RowReport]) -> None:
    """Each valid row's phone blind index; a phone repeated within the file is invalid."""
    first_row: dict[str, int] = {}
    for report in reports:
        if report.fields is None:
            continue
        index = keys.phone_index(store_id, report.fields.phone)
        if index in first_row:
            report.errors.append(("phone", f"The same phone number is on row {first_row[index]}."))
            report.status = RowStatus.INVALID
            continue
        first_row[index] = report.row
        report.phone_index = index


def prepare(text: str, keys: PiiKeys, store_id: int) -> list[RowReport]:
    """Everything of an import that needs no database: run in a worker thread."""
    reports = parse(text)
    _index_phones(keys, store_id, reports)
    return reports


async def _mark_existing(
    store_id: int, reports: list[RowReport], customer_ref: CustomerRef
) -> None:
    indexed = [(r.phone_index, r) for r in reports if r.phone_index is not None]
    for start in range(0, len(indexed), CHUNK):
        chunk = dict(indexed[start : start + CHUNK])
        for index, existing in await Customer.filter(
            store_id=store_id, phone_index__in=list(chunk)
        ).values_list("phone_index", "id"):
            chunk[index].errors.append(
                ("phone", f"A customer with this phone exists already ({customer_ref(existing)}).")
            )
            chunk[index].status = RowStatus.INVALID


def _sealed_customers(
    keys: PiiKeys, store_id: int, ids: list[int], valid: list[RowReport]
) -> list[Customer]:
    """The rows to insert, names and phones sealed (CPU only: run in a worker thread)."""
    customers: list[Customer] = []
    for customer_id, report in zip(ids, valid, strict=True):
        data = report.fields
        assert data is not None
        customers.append(new_row(keys, store_id=store_id, customer_id=customer_id, data=data))
        report.status, report.customer_id = RowStatus.IMPORTED, customer_id
    return customers


async def _insert_tags(conn: BaseDBAsyncClient, store_id: int, customers: list[Customer]) -> None:
    rows = [[store_id, c.id, tag] for c in customers for tag in c.tags]
    sql = (
        'INSERT INTO "customer_tag" ("store_id", "customer_id", "tag") '
        f"VALUES ({', '.join(marks(3))})"
    )
    for start in range(0, len(rows), 10 * CHUNK):
        await conn.execute_many(sql, rows[start : start + 10 * CHUNK])


async def import_csv(
    ctx: Context,
    *,
    store_id: int,
    text: str,
    skip_invalid_rows: bool,
    customer_ref: CustomerRef,
) -> ImportReport:
    """All or nothing; a customer registered meanwhile with a phone of the file makes a second
    pass. ``customer_ref`` writes the id of an existing customer a row repeats."""
    keys = keys_for(ctx.settings)
    for attempt in (1, 2):
        reports = await asyncio.to_thread(prepare, text, keys, store_id)
        try:
            return await _import(ctx, store_id, reports, skip_invalid_rows, customer_ref)
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


async def _import(
    ctx: Context,
    store_id: int,
    reports: list[RowReport],
    skip_invalid_rows: bool,
    customer_ref: CustomerRef,
) -> ImportReport:
    keys = keys_for(ctx.settings)
    async with write_transaction() as conn:
        await _mark_existing(store_id, reports, customer_ref)
        rejected = sum(1 for r in reports if r.status is RowStatus.INVALID)
        valid = [r for r in reports if r.status is not RowStatus.INVALID]
        if rejected and not skip_invalid_rows:
            valid = []
        ids = await allocate_ids(conn, len(valid)) if valid else []
        customers = await asyncio.to_thread(_sealed_customers, keys, store_id, ids, valid)
        await Customer.bulk_create(customers, batch_size=CHUNK)
        await _insert_tags(conn, store_id, customers)
        await audit.record(
            ctx,
            store_id=store_id,
            action="customers.import",
            target_type="store",
            target_id=store_id,
            after={"rows": len(reports), "imported": len(customers), "rejected": rejected},
        )
    return ImportReport(imported=len(customers), rejected=rejected, rows=reports)
