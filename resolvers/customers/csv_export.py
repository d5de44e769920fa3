"""CSV export of a store's customers: UTF-8 with a BOM so spreadsheets keep the Korean; audited.

Text that a spreadsheet would run as a formula is written with a leading ' (core.spreadsheets).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from core.context import Context
from core.database import write_transaction
from core.errors import CsvTooLarge
from core.spreadsheets import SafeCsvWriter
from models.customers import Customer
from resolvers import audit
from resolvers.customers import lookups
from resolvers.customers.csv_import import MAX_ROWS, CustomerRef
from resolvers.customers.listing import CustomerFilter, filtered
from resolvers.customers.privacy import reveals
from resolvers.customers.records import opened
from resolvers.pii import display_phone, keys_for, mask_name, mask_phone

BOM = "\ufeff"
BATCH = 2000
COLUMNS = (
    "id",
    "name",
    "phone",
    "birth_year",
    "age_band",
    "gender",
    "marketing_consent",
    "source_channel",
    "tags",
    "visit_count",
    "total_paid",
    "first_visit_at",
    "last_visit_at",
    "created_at",
)


@dataclass(frozen=True)
class Export:
    csv: str
    row_count: int
    masked: bool
    neutralised_cells: int


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value is not None else ""


async def export_csv(
    ctx: Context, *, store_id: int, where: CustomerFilter, customer_ref: CustomerRef
) -> Export:
    """The customers ``where`` selects, oldest first; ``customer_ref`` writes the id column."""
    query = await filtered(ctx, store_id, where)
    if where.search is None:
        total = await query.count()
    else:  # a search is a lookup by phone or name, limited per caller
        total = await lookups.limited(ctx, store_id=store_id, find=query.count, found=bool)
    if total > MAX_ROWS:
        raise CsvTooLarge(
            f"An export holds at most {MAX_ROWS} customers; narrow the filter.",
            field="filter",
            max_rows=MAX_ROWS,
        )
    whole = await reveals(ctx, store_id, reason="export")
    keys = keys_for(ctx.settings)
    out = io.StringIO()
    out.write(BOM)
    writer = SafeCsvWriter(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count, last_id = 0, 0
    while True:
        rows: list[Customer] = await query.filter(id__gt=last_id).order_by("id").limit(BATCH)
        for row in rows:
            name, phone = opened(keys, row)
            writer.writerow(
                [
                    customer_ref(row.id),
                    name if whole else mask_name(name),
                    display_phone(phone) if whole else mask_phone(phone),
                    row.birth_year or "",
                    row.age_band.value if row.age_band else "",
                    row.gender.value,
                    str(row.marketing_consent).lower(),
                    row.source_channel.value,
                    ";".join(row.tags),
                    row.visit_count,
                    row.total_paid,
                    _iso(row.first_visit_at),
                    _iso(row.last_visit_at),
                    _iso(row.created_at),
                ]
            )
        count += len(rows)
        if len(rows) < BATCH:
            break
        last_id = rows[-1].id
    async with write_transaction():
        await audit.record(
            ctx,
            store_id=store_id,
            action="customers.export",
            target_type="store",
            target_id=store_id,
            after={
                "rows": count,
                "masked": not whole,
                "filter": {k: v for k, v in vars(where).items() if v is not None and k != "search"},
            },
        )
    return Export(
        csv=out.getvalue(),
        row_count=count,
        masked=not whole,
        neutralised_cells=writer.neutralised,
    )
