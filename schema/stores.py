from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import InvalidInput
from models.stores import Store as StoreModel
from resolvers import api_keys, stores
from schema.enums import CampaignGrade, CustomerSort, Plan, RedemptionStatus, StoreCategory
from schema.errors import result
from schema.ids import decode_id
from schema.operations import mutation, query
from schema.points import PointsPeriodInput
from schema.scopes import platform, source_store, store_id_at

if TYPE_CHECKING:
    from schema.api_keys import ApiKey
    from schema.audit import AuditEntryConnection
    from schema.catalogue import Category, ProductConnection
    from schema.coupons import CouponTemplate
    from schema.customers.feedback import (
        FeedbackCategorySummary,
        FeedbackConnection,
        StoreAlertConnection,
    )
    from schema.customers.mutations import CustomerFilterInput
    from schema.customers.types import Customer, CustomerConnection, CustomerSettings, SegmentCount
    from schema.offers import FirstVisitOffer
    from schema.orders import OrderConnection, OrderFilter
    from schema.points import PointProgram, PointsDashboard
    from schema.rewards import RedemptionConnection, RewardConnection
    from schema.staff import StaffMemberConnection
    from schema.stamps import StampCard
    from schema.tiers import Tier, TierProgram, TierPromotion


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


@strawberry.type
class Store(relay.Node):
    id: relay.NodeID[int]
    name: str
    address: str
    phone: str
    category: StoreCategory
    commercial_area: str
    plan: Plan
    campaign_grade: CampaignGrade
    time_zone: str
    business_hours: list[BusinessHours]
    created_at: datetime

    @classmethod
    def from_model(cls, store: StoreModel) -> "Store":
        return cls(
            id=store.id,
            name=store.name,
            address=store.address,
            phone=store.phone,
            category=store.category,
            commercial_area=store.commercial_area,
            plan=store.plan,
            campaign_grade=store.campaign_grade,
            time_zone=store.time_zone,
            business_hours=[BusinessHours(**entry) for entry in store.business_hours],
            created_at=store.created_at,
        )

    @query("staff.read", store=source_store())
    async def staff(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = False,
    ) -> Annotated["StaffMemberConnection", strawberry.lazy("schema.staff")]:
        from schema.staff import staff_connection

        return await staff_connection(info, self.id, first, after, include_inactive)

    @query("audit.read", store=source_store())
    async def audit_log(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> Annotated["AuditEntryConnection", strawberry.lazy("schema.audit")]:
        from schema.audit import audit_connection

        return await audit_connection(self.id, first, after)

    @query("api_keys.read", store=source_store())
    async def api_keys(
        self, info: Info
    ) -> list[Annotated["ApiKey", strawberry.lazy("schema.api_keys")]]:
        from schema.api_keys import ApiKey

        return [ApiKey.from_model(key) for key in await api_keys.keys_of(self.id)]

    @query("products.read", store=source_store())
    async def products(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_archived: bool = False,
    ) -> Annotated["ProductConnection", strawberry.lazy("schema.catalogue")]:
        from schema.catalogue import products_connection

        return await products_connection(self.id, first, after, include_archived)

    @query("products.read", store=source_store())
    async def categories(
        self, info: Info
    ) -> list[Annotated["Category", strawberry.lazy("schema.catalogue")]]:
        from schema.catalogue import categories_of

        return await categories_of(self.id)

    @query("orders.read", store=source_store())
    async def orders(
        self,
        info: Info,
        filter: Annotated["OrderFilter", strawberry.lazy("schema.orders")] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Annotated["OrderConnection", strawberry.lazy("schema.orders")]:
        from schema.orders import orders_connection

        return await orders_connection(self.id, filter, first, after)

    @query("points.read", store=source_store())
    async def point_program(
        self, info: Info
    ) -> Annotated["PointProgram", strawberry.lazy("schema.points")]:
        from schema.points import point_program

        return await point_program(self.id)

    @query("points.dashboard", store=source_store())
    async def points_dashboard(
        self,
        info: Info,
        period: PointsPeriodInput,
        top: int = 10,
    ) -> Annotated["PointsDashboard", strawberry.lazy("schema.points")]:
        from schema.points import points_dashboard

        return await points_dashboard(self.id, period, top)

    @query("rewards.read", store=source_store())
    async def rewards(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = False,
    ) -> Annotated["RewardConnection", strawberry.lazy("schema.rewards")]:
        from schema.rewards import rewards_connection

        return await rewards_connection(self.id, first, after, include_inactive)

    @query("rewards.read", store=source_store())
    async def redemptions(
        self,
        info: Info,
        status: RedemptionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Annotated["RedemptionConnection", strawberry.lazy("schema.rewards")]:
        from schema.rewards import redemptions_connection

        return await redemptions_connection(self.id, status, first, after)

    @query("customers.read", store=source_store())
    async def customers(
        self,
        info: Info,
        filter: Annotated["CustomerFilterInput", strawberry.lazy("schema.customers.mutations")]
        | None = None,
        sort: CustomerSort = CustomerSort.CREATED_DESC,
        first: int | None = None,
        after: str | None = None,
    ) -> Annotated["CustomerConnection", strawberry.lazy("schema.customers.types")]:
        from schema.customers.store_fields import customers_connection

        return await customers_connection(info, self.id, filter, sort, first, after)

    @query("customers.read", store=source_store())
    async def customer_by_phone(
        self, info: Info, phone: str
    ) -> Annotated["Customer", strawberry.lazy("schema.customers.types")] | None:
        from schema.customers.store_fields import customer_by_phone

        return await customer_by_phone(info, self.id, phone)

    @query("customers.read", store=source_store())
    async def customer_settings(
        self, info: Info
    ) -> Annotated["CustomerSettings", strawberry.lazy("schema.customers.types")]:
        from schema.customers.store_fields import customer_settings

        return await customer_settings(self.id)

    @query(
        "customers.segments",
        store=source_store(),
        description="Customers per segment, counted now.",
    )
    async def customer_segments(
        self, info: Info
    ) -> list[Annotated["SegmentCount", strawberry.lazy("schema.customers.types")]]:
        from schema.customers.store_fields import segment_counts

        return await segment_counts(info, self.id)

    @query("feedback.read", store=source_store(), description="Feedback per category since a time.")
    async def feedback_summary(
        self, info: Info, since: datetime | None = None
    ) -> list[Annotated["FeedbackCategorySummary", strawberry.lazy("schema.customers.feedback")]]:
        from schema.customers.feedback import feedback_summary

        return await feedback_summary(self.id, since)

    @query("feedback.read", store=source_store())
    async def feedback(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        max_rating: int | None = None,
    ) -> Annotated["FeedbackConnection", strawberry.lazy("schema.customers.feedback")]:
        from schema.customers.feedback import feedback_connection

        return await feedback_connection(self.id, first, after, max_rating)

    @query(
        "store.read",
        store=source_store(),
        description="Alerts addressed to the caller in this store.",
    )
    async def alerts(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        unread_only: bool = False,
    ) -> Annotated["StoreAlertConnection", strawberry.lazy("schema.customers.feedback")]:
        from schema.customers.feedback import alert_connection

        return await alert_connection(info, self.id, first, after, unread_only)

    @query("tiers.read", store=source_store())
    async def tiers(self, info: Info) -> list[Annotated["Tier", strawberry.lazy("schema.tiers")]]:
        from resolvers.tiers import tiers_of
        from schema.tiers import Tier

        return [Tier.from_model(tier) for tier in await tiers_of(self.id)]

    @query("tiers.read", store=source_store())
    async def tier_program(
        self, info: Info
    ) -> Annotated["TierProgram", strawberry.lazy("schema.tiers")]:
        from resolvers.tiers import program_of
        from schema.tiers import TierProgram

        return TierProgram.from_model(await program_of(self.id))

    @query("tiers.read", store=source_store())
    async def tier_promotions(
        self, info: Info
    ) -> list[Annotated["TierPromotion", strawberry.lazy("schema.tiers")]]:
        from resolvers.tiers import promotions_of
        from schema.tiers import TierPromotion

        return [TierPromotion.from_model(p) for p in await promotions_of(self.id)]

    @query("stamps.read", store=source_store())
    async def stamp_card(
        self, info: Info
    ) -> Annotated["StampCard", strawberry.lazy("schema.stamps")] | None:
        from resolvers.stamps import card_of
        from schema.stamps import StampCard

        card = await card_of(self.id)
        return StampCard.from_model(card) if card else None

    @query("coupons.read", store=source_store())
    async def coupon_templates(
        self, info: Info
    ) -> list[Annotated["CouponTemplate", strawberry.lazy("schema.coupons")]]:
        from resolvers.coupons import templates_of
        from schema.coupons import CouponTemplate

        return [CouponTemplate.from_model(t) for t in await templates_of(self.id)]

    @query("coupons.read", store=source_store())
    async def first_visit_offer(
        self, info: Info
    ) -> Annotated["FirstVisitOffer", strawberry.lazy("schema.offers")] | None:
        from resolvers.offers import active_offer
        from schema.offers import FirstVisitOffer

        offer = await active_offer(self.id)
        return FirstVisitOffer.from_model(offer) if offer else None


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
    store: Store
    owner_email: str
    temporary_password: str | None = strawberry.field(
        description="Set only when the owner's account was created now; shown once."
    )


@strawberry.type
class UpdateStoreSuccess:
    store: Store


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


def _provided(data: Any) -> dict[str, Any]:
    values = {
        name: value
        for name, value in vars(data).items()
        if value is not strawberry.UNSET and name != "store_id"
    }
    for name, value in values.items():
        if value is None:
            raise InvalidInput(f"{name} cannot be null.", field=name)
    if "business_hours" in values:
        values["business_hours"] = [
            stores.BusinessHours(day=e.day, opens=e.opens, closes=e.closes)
            for e in values["business_hours"]
        ]
    return values


@strawberry.type
class Query:
    @query("store.read", store=store_id_at("id"))
    async def store(self, info: Info, id: relay.GlobalID) -> Store | None:
        found = await info.context.loaders.rows(StoreModel).load(decode_id(id, "Store"))
        return Store.from_model(found) if found else None


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
            store=Store.from_model(created.store),
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
            info.context, store_id=decode_id(input.store_id, "Store"), changes=_provided(input)
        )
        return UpdateStoreSuccess(store=Store.from_model(store))
