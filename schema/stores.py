from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.stores import Store as StoreModel
from resolvers import campaigns, stores
from schema.enums import CampaignGrade, Plan, StoreCategory
from schema.errors import result
from schema.ids import decode_id
from schema.inputs import provided
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.plans import PlanFeature, features_of
from schema.refs import StoreRef
from schema.scopes import platform, source_store, store_id_at


@strawberry.type
class BusinessHours:
    day: str = strawberry.field(description="MON, TUE, ... SUN")
    opens: str = strawberry.field(description="HH:MM in the store's time zone")
    closes: str


@strawberry.input
class BusinessHoursInput:
    day: str
    opens: str
    closes: str


@strawberry.type(name="Store", description="A shop: its profile, and every domain's fields.")
class StoreProfile(relay.Node):
    id: relay.NodeID[int]
    name: str
    address: str
    phone: str
    category: StoreCategory
    commercial_area: str
    plan: Plan
    campaign_grade: CampaignGrade = strawberry.field(
        description="The higher of the grade the plan gives and the grade an admin set."
    )
    time_zone: str
    business_hours: list[BusinessHours]
    created_at: datetime

    @classmethod
    def from_model(cls, store: StoreModel) -> StoreProfile:
        return cls(
            id=store.id,
            name=store.name,
            address=store.address,
            phone=store.phone,
            category=store.category,
            commercial_area=store.commercial_area,
            plan=store.plan,
            campaign_grade=campaigns.effective_grade(store.plan, store.campaign_grade),
            time_zone=store.time_zone,
            business_hours=[BusinessHours(**entry) for entry in store.business_hours],
            created_at=store.created_at,
        )

    @query(
        "store.read",
        store=source_store(),
        description="What the store's plan includes, from the plan each gated field declares.",
    )
    def plan_features(self, info: Info) -> list[PlanFeature]:
        return features_of(info.schema, self.plan)


@strawberry.input
class CreateStoreInput:
    name: str
    category: StoreCategory
    commercial_area: str
    owner_email: str
    owner_name: str
    address: str = ""
    phone: str = ""
    plan: Plan = Plan.BASIC
    campaign_grade: CampaignGrade = CampaignGrade.BRONZE
    time_zone: str = "Asia/Seoul"
    business_hours: list[BusinessHoursInput] | None = None


@strawberry.input
class UpdateStoreInput:
    store_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    address: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    category: StoreCategory | None = strawberry.UNSET
    commercial_area: str | None = strawberry.UNSET
    time_zone: str | None = strawberry.UNSET
    business_hours: list[BusinessHoursInput] | None = strawberry.UNSET


@strawberry.type
class CreateStoreSuccess:
    store: StoreProfile = strawberry.field(graphql_type=StoreRef)
    owner_email: str
    temporary_password: str | None = strawberry.field(
        description="Set only when the owner's account was created now; shown once."
    )


@strawberry.type
class UpdateStoreSuccess:
    store: StoreProfile = strawberry.field(graphql_type=StoreRef)


CreateStoreResult = result(
    "CreateStoreResult",
    CreateStoreSuccess,
    errors.InvalidInput,
    errors.AlreadyExists,
)
UpdateStoreResult = result(
    "UpdateStoreResult",
    UpdateStoreSuccess,
    errors.InvalidInput,
    errors.NotFound,
)


@strawberry.input
class ChangeStorePlanInput:
    store_id: relay.GlobalID
    plan: Plan


@strawberry.input
class ChangeStoreCampaignGradeInput:
    store_id: relay.GlobalID
    grade: CampaignGrade = strawberry.field(
        description="Counts where it is above the grade of the store's plan."
    )


ChangeStoreResult = result("ChangeStoreResult", UpdateStoreSuccess, errors.NotFound)


def _changes(input: UpdateStoreInput) -> dict[str, Any]:
    values = provided(input, "store_id", nullable=())
    if "business_hours" in values:
        values["business_hours"] = [
            stores.BusinessHours(day=e.day, opens=e.opens, closes=e.closes)
            for e in values["business_hours"]
        ]
    return values


@strawberry.type
class StoreConnection(Connection[StoreRef]):
    pass


@strawberry.type
class Query:
    @query("store.list", store=platform(), description="Every store of the platform (admins).")
    async def stores(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> StoreConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await stores.stores_page(size=size, after_id=cursor[0] if cursor else None)
        return connection(
            StoreConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=StoreProfile.from_model,
            has_previous=cursor is not None,
            total=StoreModel.all().count,
        )

    @query("store.read", store=store_id_at("id"), graphql_type=StoreRef | None)
    async def store(self, info: Info, id: relay.GlobalID) -> StoreProfile | None:
        found = await info.context.loaders.rows(StoreModel).load(decode_id(id, "Store"))
        return StoreProfile.from_model(found) if found else None


@strawberry.type
class Mutation:
    @mutation("store.create", store=platform(), result=CreateStoreResult)
    async def create_store(self, info: Info, input: CreateStoreInput) -> CreateStoreSuccess:
        values = {name: value for name, value in vars(input).items() if name != "business_hours"}
        hours = [
            stores.BusinessHours(day=e.day, opens=e.opens, closes=e.closes)
            for e in input.business_hours or []
        ]
        created = await stores.create_store(info.context, business_hours=hours, **values)
        return CreateStoreSuccess(
            store=StoreProfile.from_model(created.store),
            owner_email=created.owner.account.email,
            temporary_password=created.owner.temporary_password,
        )

    @mutation(
        "store.update",
        store=store_id_at("input.store_id"),
        absent="store",
        result=UpdateStoreResult,
    )
    async def update_store(self, info: Info, input: UpdateStoreInput) -> UpdateStoreSuccess:
        store = await stores.update_store(
            info.context, store_id=decode_id(input.store_id, "Store"), changes=_changes(input)
        )
        return UpdateStoreSuccess(store=StoreProfile.from_model(store))

    @mutation(
        "store.change_plan",
        store=store_id_at("input.store_id"),
        absent="store",
        result=ChangeStoreResult,
    )
    async def change_store_plan(
        self, info: Info, input: ChangeStorePlanInput
    ) -> UpdateStoreSuccess:
        """Takes effect on the next request, in every process (plans are read per request)."""
        store = await stores.change_plan(
            info.context, store_id=decode_id(input.store_id, "Store"), plan=input.plan
        )
        return UpdateStoreSuccess(store=StoreProfile.from_model(store))

    @mutation(
        "store.change_campaign_grade",
        store=store_id_at("input.store_id"),
        absent="store",
        result=ChangeStoreResult,
    )
    async def change_store_campaign_grade(
        self, info: Info, input: ChangeStoreCampaignGradeInput
    ) -> UpdateStoreSuccess:
        store = await stores.change_campaign_grade(
            info.context, store_id=decode_id(input.store_id, "Store"), grade=input.grade
        )
        return UpdateStoreSuccess(store=StoreProfile.from_model(store))
