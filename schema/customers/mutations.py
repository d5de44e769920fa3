"""registerCustomer, updateCustomer, tagCustomers, updateCustomerSettings, importCustomers, exportCustomers."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core.context import Context
from core.errors import BadUserInput, NotFound
from models.customers import (
    Customer as CustomerModel,
)
from models.customers import (
    Gender as GenderModel,
)
from models.customers import (
    SourceChannel as ChannelModel,
)
from resolvers.customers import csv_export, csv_import, records, segments
from resolvers.customers.fields import CustomerFields
from resolvers.customers.listing import CustomerFilter
from schema import errors
from schema.customers.types import (
    AgeBand,
    Customer,
    CustomerSegment,
    CustomerSettings,
    Gender,
    SourceChannel,
)
from schema.operations import mutation
from schema.scopes import Absent, decode_id, owner_store_of, store_id_at

ImportRowStatus = strawberry.enum(csv_import.RowStatus, name="ImportRowStatus")


@strawberry.input
class RegisterCustomerInput:
    store_id: relay.GlobalID
    name: str
    phone: str
    birth_year: int | None = None
    age_band: AgeBand | None = None  # type: ignore[valid-type]
    gender: Gender = GenderModel.UNDISCLOSED  # type: ignore[valid-type]
    marketing_consent: bool = False
    source_channel: SourceChannel = ChannelModel.WALK_IN  # type: ignore[valid-type]
    tags: list[str] = strawberry.field(default_factory=list)
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
    age_band: AgeBand | None = strawberry.UNSET  # type: ignore[valid-type]
    gender: Gender | None = strawberry.UNSET  # type: ignore[valid-type]
    marketing_consent: bool | None = strawberry.UNSET
    source_channel: SourceChannel | None = strawberry.UNSET  # type: ignore[valid-type]
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
    segment: CustomerSegment | None = None  # type: ignore[valid-type]
    tag: str | None = None
    tier_id: relay.GlobalID | None = None
    search: str | None = strawberry.field(
        default=None, description="a full phone number, its last four digits, or an exact name"
    )

    def to_filter(self) -> CustomerFilter:
        tier = None
        if self.tier_id is not None:
            if self.tier_id.type_name != "Tier" or not self.tier_id.node_id.isdigit():
                raise BadUserInput("tierId is not a tier id.", field="filter.tierId")
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
    customer: Customer


@strawberry.type
class TagCustomersSuccess:
    customers: list[Customer]


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
    status: ImportRowStatus  # type: ignore[valid-type]
    errors: list[FieldProblem]
    customer_id: strawberry.ID | None


@strawberry.type
class ImportCustomersReport:
    imported: int
    rejected: int
    rows: list[ImportRow]

    @strawberry.field(description="Only the rows with errors.")
    def problems(self) -> list[ImportRow]:
        return [row for row in self.rows if row.errors]


@strawberry.type
class ExportCustomersSuccess:
    csv: str = strawberry.field(description="UTF-8 with a BOM, so spreadsheets keep the Korean")
    row_count: int
    masked: bool


RegisterCustomerResult = Annotated[
    CustomerSuccess | errors.InvalidInput | errors.DuplicateCustomer | errors.NotFound,
    strawberry.union("RegisterCustomerResult"),
]
UpdateCustomerResult = Annotated[
    CustomerSuccess | errors.InvalidInput | errors.DuplicateCustomer | errors.NotFound,
    strawberry.union("UpdateCustomerResult"),
]
TagCustomersResult = Annotated[
    TagCustomersSuccess | errors.InvalidInput | errors.NotFound,
    strawberry.union("TagCustomersResult"),
]
UpdateCustomerSettingsResult = Annotated[
    CustomerSettingsSuccess | errors.InvalidInput | errors.NotFound,
    strawberry.union("UpdateCustomerSettingsResult"),
]
ImportCustomersResult = Annotated[
    ImportCustomersReport
    | errors.CsvMalformed
    | errors.CsvColumnsInvalid
    | errors.CsvTooLarge
    | errors.NotFound,
    strawberry.union("ImportCustomersResult"),
]
ExportCustomersResult = Annotated[
    ExportCustomersSuccess | errors.CsvTooLarge | errors.InvalidInput | errors.NotFound,
    strawberry.union("ExportCustomersResult"),
]


async def _tagged_store(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    ids = {decode_id(value, "Customer") for value in kwargs["input"].customer_ids}
    if not ids:
        raise Absent
    stores = await CustomerModel.filter(id__in=list(ids)).values_list("store_id", flat=True)
    if len(stores) != len(ids) or len(set(stores)) != 1:
        raise Absent
    return int(stores[0])


def _referrer_id(value: relay.GlobalID) -> int:
    try:
        return decode_id(value, "Customer")
    except Absent as exc:
        raise NotFound("No such customer.", field="referredByCustomerId") from exc


def _provided(data: Any, *skip: str) -> dict[str, Any]:
    return {
        name: value
        for name, value in vars(data).items()
        if value is not strawberry.UNSET and name not in skip
    }


def _report(report: csv_import.ImportReport) -> ImportCustomersReport:
    return ImportCustomersReport(
        imported=report.imported,
        rejected=report.rejected,
        rows=[
            ImportRow(
                row=row.row,
                status=row.status,
                errors=[FieldProblem(field=f, message=m) for f, m in row.errors],
                customer_id=strawberry.ID(row.customer_id) if row.customer_id else None,
            )
            for row in report.rows
        ],
    )


@strawberry.type
class Mutation:
    @mutation("customers.create", store=store_id_at("input.store_id"), absent="store")
    async def register_customer(
        self, info: Info, input: RegisterCustomerInput
    ) -> RegisterCustomerResult:
        fields = CustomerFields(**_provided(input, "store_id", "referred_by_customer_id"))
        referrer = input.referred_by_customer_id
        row = await records.register(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            fields=fields,
            referred_by=None if referrer is None else _referrer_id(referrer),
        )
        return CustomerSuccess(customer=Customer.from_model(row))

    @mutation(
        "customers.update",
        store=owner_store_of("input.customer_id", CustomerModel, "Customer"),
        absent="customer",
    )
    async def update_customer(self, info: Info, input: UpdateCustomerInput) -> UpdateCustomerResult:
        row = await records.update(
            info.context,
            customer_id=decode_id(input.customer_id, "Customer"),
            changes=_provided(input, "customer_id"),
        )
        return CustomerSuccess(customer=Customer.from_model(row))

    @mutation("customers.tag", store=_tagged_store, absent="customer")
    async def tag_customers(self, info: Info, input: TagCustomersInput) -> TagCustomersResult:
        ids = [decode_id(value, "Customer") for value in input.customer_ids]
        store_id = await _tagged_store(None, {"input": input}, info.context)
        rows = await records.tag(
            info.context,
            store_id=int(store_id or 0),
            customer_ids=ids,
            add=input.add,
            remove=input.remove,
        )
        return TagCustomersSuccess(customers=[Customer.from_model(row) for row in rows])

    @mutation("customers.settings", store=store_id_at("input.store_id"), absent="store")
    async def update_customer_settings(
        self, info: Info, input: UpdateCustomerSettingsInput
    ) -> UpdateCustomerSettingsResult:
        thresholds = await segments.update_settings(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            changes=_provided(input, "store_id"),
        )
        return CustomerSettingsSuccess(settings=CustomerSettings.from_thresholds(thresholds))

    @mutation("customers.import", store=store_id_at("input.store_id"), absent="store")
    async def import_customers(
        self, info: Info, input: ImportCustomersInput
    ) -> ImportCustomersResult:
        report = await csv_import.import_csv(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            text=input.csv,
            skip_invalid_rows=input.skip_invalid_rows,
        )
        return _report(report)

    @mutation("customers.export", store=store_id_at("input.store_id"), absent="store")
    async def export_customers(
        self, info: Info, input: ExportCustomersInput
    ) -> ExportCustomersResult:
        export = await csv_export.export_csv(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            where=input.filter.to_filter() if input.filter else CustomerFilter(),
        )
        return ExportCustomersSuccess(
            csv=export.csv, row_count=export.row_count, masked=export.masked
        )
