"""registerCustomer, updateCustomer, tagCustomers, updateCustomerSettings,
importCustomers, exportCustomers."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.context import Context
from core.errors import BadUserInput, NotFound
from models.customers import (
    Customer as CustomerModel,
)
from resolvers.customers import csv_export, csv_import, records, segments
from resolvers.customers.fields import CustomerFields
from resolvers.customers.listing import CustomerFilter
from schema.customers.types import (
    CustomerProfile,
    CustomerSettings,
)
from schema.enums import AgeBand, Gender, RowStatus, Segment, SourceChannel
from schema.errors import result
from schema.ids import Absent, decode_id, global_id
from schema.inputs import provided
from schema.operations import field, mutation
from schema.refs import CustomerRef
from schema.scopes import owner_store_of, store_id_at


@strawberry.input
class RegisterCustomerInput:
    store_id: relay.GlobalID
    name: str
    phone: str
    birth_year: int | None = None
    age_band: AgeBand | None = None
    gender: Gender = Gender.UNDISCLOSED
    marketing_consent: bool = False
    source_channel: SourceChannel = SourceChannel.WALK_IN
    tags: list[str] = strawberry.field(default_factory=list)
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first registration."
    )
    referred_by_customer_id: relay.GlobalID | None = strawberry.field(
        default=None,
        description="The customer who brought them: earns the programme's referral points.",
    )


@strawberry.input
class UpdateCustomerInput:
    customer_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    birth_year: int | None = strawberry.UNSET
    age_band: AgeBand | None = strawberry.UNSET
    gender: Gender | None = strawberry.UNSET
    marketing_consent: bool | None = strawberry.UNSET
    source_channel: SourceChannel | None = strawberry.UNSET
    tags: list[str] | None = strawberry.UNSET


@strawberry.input
class TagCustomersInput:
    customer_ids: list[relay.GlobalID]
    add: list[str] = strawberry.field(default_factory=list)
    remove: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateCustomerSettingsInput:
    store_id: relay.GlobalID
    new_customer_days: int | None = strawberry.UNSET
    dormant_days: int | None = strawberry.UNSET
    regular_min_visits: int | None = strawberry.UNSET
    regular_min_total_paid: int | None = strawberry.UNSET
    high_frequency_visits_per_month: int | None = strawberry.UNSET
    reward_sensitive_min_uses: int | None = strawberry.UNSET


@strawberry.input
class CustomerFilterInput:
    segment: Segment | None = None
    tag: str | None = None
    tier_id: relay.GlobalID | None = None
    search: str | None = strawberry.field(
        default=None, description="a full phone number, its last four digits, or an exact name"
    )

    def to_filter(self) -> CustomerFilter:
        tier = None
        if self.tier_id is not None:
            if self.tier_id.type_name != "Tier" or not self.tier_id.node_id.isdigit():
                raise BadUserInput("tierId is not a tier id.", field="filter.tier_id")
            tier = int(self.tier_id.node_id)
        return CustomerFilter(segment=self.segment, tag=self.tag, search=self.search, tier_id=tier)


@strawberry.input
class ImportCustomersInput:
    store_id: relay.GlobalID
    csv: str = strawberry.field(
        description="UTF-8 text, with or without a BOM; header: name, phone, birth_year, age_band, "
        "gender, marketing_consent, source_channel, tags (';'-separated)"
    )
    skip_invalid_rows: bool = False


@strawberry.input
class ExportCustomersInput:
    store_id: relay.GlobalID
    filter: CustomerFilterInput | None = None


@strawberry.type
class CustomerSuccess:
    customer: CustomerProfile = strawberry.field(graphql_type=CustomerRef)


@strawberry.type
class TagCustomersSuccess:
    customers: list[CustomerProfile] = strawberry.field(graphql_type=list[CustomerRef])


@strawberry.type
class CustomerSettingsSuccess:
    settings: CustomerSettings


@strawberry.type
class FieldProblem:
    field: str
    message: str


@strawberry.type
class ImportRow:
    row: int = strawberry.field(description="the row in the file; the header is row 1")
    status: RowStatus
    errors: list[FieldProblem]
    notes: list[FieldProblem] = strawberry.field(
        description="Values kept as written that deserve a look, e.g. a name a spreadsheet "
        "would take for a formula (exports write it with a leading ')"
    )
    customer_id: relay.GlobalID | None


@strawberry.type
class ImportCustomersReport:
    imported: int
    rejected: int
    report: strawberry.Private[csv_import.ImportReport]

    @field(description="Every row of the file, in order.")
    def rows(self) -> list[ImportRow]:
        return [_row(row) for row in self.report.rows]

    @field(description="Only the rows with errors.")
    def problems(self) -> list[ImportRow]:
        return [_row(row) for row in self.report.rows if row.errors]


@strawberry.type
class ExportCustomersSuccess:
    csv: str = strawberry.field(description="UTF-8 with a BOM, so spreadsheets keep the Korean")
    row_count: int
    masked: bool
    neutralised_cells: int = strawberry.field(
        description="Text cells starting with = + - @, a tab or a carriage return, written with "
        "a leading ' so that a spreadsheet shows them instead of running them as formulas"
    )


RegisterCustomerResult = result(
    "RegisterCustomerResult",
    CustomerSuccess,
    errors.InvalidInput,
    errors.DuplicateCustomer,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)
UpdateCustomerResult = result(
    "UpdateCustomerResult",
    CustomerSuccess,
    errors.InvalidInput,
    errors.DuplicateCustomer,
    errors.NotFound,
)
TagCustomersResult = result(
    "TagCustomersResult",
    TagCustomersSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
UpdateCustomerSettingsResult = result(
    "UpdateCustomerSettingsResult",
    CustomerSettingsSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
ImportCustomersResult = result(
    "ImportCustomersResult",
    ImportCustomersReport,
    errors.CsvMalformed,
    errors.CsvColumnsInvalid,
    errors.CsvTooLarge,
    errors.NotFound,
)
ExportCustomersResult = result(
    "ExportCustomersResult",
    ExportCustomersSuccess,
    errors.CsvTooLarge,
    errors.InvalidInput,
    errors.NotFound,
)


async def _tagged_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    ids = {decode_id(value, "Customer") for value in kwargs["input"].customer_ids}
    if not ids:
        raise Absent
    stores: list[Any] = await CustomerModel.filter(id__in=list(ids)).values_list(
        "store_id", flat=True
    )
    if len(stores) != len(ids) or len(set(stores)) != 1:
        raise Absent
    return int(stores[0])


def _referrer_id(value: relay.GlobalID) -> int:
    try:
        return decode_id(value, "Customer")
    except Absent as exc:
        raise NotFound("No such customer.", field="referredByCustomerId") from exc


def _customer_ref(customer_id: int) -> str:
    """A customer as the CSV files and their reports name it: by its global id."""
    return str(global_id("Customer", customer_id))


def _row(row: csv_import.RowReport) -> ImportRow:
    return ImportRow(
        row=row.row,
        status=row.status,
        errors=[FieldProblem(field=f, message=m) for f, m in row.errors],
        notes=[FieldProblem(field=f, message=m) for f, m in row.notes],
        customer_id=global_id("Customer", row.customer_id),
    )


def _report(report: csv_import.ImportReport) -> ImportCustomersReport:
    """The rows are made when asked: a 100,000-row file asked for its counts makes none."""
    return ImportCustomersReport(imported=report.imported, rejected=report.rejected, report=report)


@strawberry.type
class Mutation:
    @mutation(
        "customers.create",
        store=store_id_at("input.store_id"),
        absent="store",
        result=RegisterCustomerResult,
    )
    async def register_customer(self, info: Info, input: RegisterCustomerInput) -> CustomerSuccess:
        fields = CustomerFields(
            **provided(input, "store_id", "referred_by_customer_id", "idempotency_key")
        )
        referrer = input.referred_by_customer_id
        row = await records.register(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            fields=fields,
            referred_by=None if referrer is None else _referrer_id(referrer),
            idempotency_key=input.idempotency_key,
        )
        return CustomerSuccess(customer=CustomerProfile.from_model(row))

    @mutation(
        "customers.update",
        result=UpdateCustomerResult,
        store=owner_store_of("input.customer_id", CustomerModel, "Customer"),
        absent="customer",
    )
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> CustomerSuccess:
        row = await records.update(
            info.context,
            customer_id=decode_id(input.customer_id, "Customer"),
            changes=provided(input, "customer_id"),
        )
        return CustomerSuccess(customer=CustomerProfile.from_model(row))

    @mutation("customers.tag", store=_tagged_store, absent="customer", result=TagCustomersResult)
    async def tag_customers(self, info: Info, input: TagCustomersInput) -> TagCustomersSuccess:
        ids = [decode_id(value, "Customer") for value in input.customer_ids]
        store_id = await _tagged_store(None, {"input": input}, info.context)
        rows = await records.tag(
            info.context,
            store_id=int(store_id or 0),
            customer_ids=ids,
            add=input.add,
            remove=input.remove,
        )
        return TagCustomersSuccess(customers=[CustomerProfile.from_model(row) for row in rows])

    @mutation(
        "customers.settings",
        store=store_id_at("input.store_id"),
        absent="store",
        result=UpdateCustomerSettingsResult,
    )
    async def update_customer_settings(
        self, info: Info, input: UpdateCustomerSettingsInput
    ) -> CustomerSettingsSuccess:
        thresholds = await segments.update_settings(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            changes=provided(input, "store_id"),
        )
        return CustomerSettingsSuccess(settings=CustomerSettings.from_thresholds(thresholds))

    @mutation(
        "customers.import",
        store=store_id_at("input.store_id"),
        absent="store",
        result=ImportCustomersResult,
    )
    async def import_customers(
        self, info: Info, input: ImportCustomersInput
    ) -> ImportCustomersReport:
        report = await csv_import.import_csv(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            text=input.csv,
            skip_invalid_rows=input.skip_invalid_rows,
            customer_ref=_customer_ref,
        )
        return _report(report)

    @mutation(
        "customers.export",
        store=store_id_at("input.store_id"),
        absent="store",
        result=ExportCustomersResult,
    )
    async def export_customers(
        self, info: Info, input: ExportCustomersInput
    ) -> ExportCustomersSuccess:
        export = await csv_export.export_csv(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            where=input.filter.to_filter() if input.filter else CustomerFilter(),
            customer_ref=_customer_ref,
        )
        return ExportCustomersSuccess(
            csv=export.csv,
            row_count=export.row_count,
            masked=export.masked,
            neutralised_cells=export.neutralised_cells,
        )
