"""The whole graph: ``Store`` and ``Customer`` composed from every domain's fields, and the roots.

Each domain's schema module defines its own types and mutations, and the fields it
adds to ``Store`` and ``Customer`` as a class based on ``StoreProfile`` or
``CustomerProfile``. This module, above all of them, puts them together; a new
domain adds its classes to the lists below.
"""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from core.settings import Settings
from schema import (
    accounts,
    analytics,
    api_keys,
    audit,
    campaigns,
    catalogue,
    coupons,
    customers,
    favourites,
    inventory,
    live,
    messages,
    nodes,
    notifications,
    offers,
    orders,
    points,
    policies,
    rewards,
    settlements,
    staff,
    stamps,
    stores,
    tasks,
    tiers,
    webhooks,
)
from schema.customers import feedback, store_fields
from schema.execution import PlainFieldsExecution, lean_resolvers
from schema.hardening import SCALAR_OVERRIDES, hardening_extensions


@strawberry.type(name="Store", description="A shop: its profile, and every domain's fields.")
class Store(
    staff.StoreStaff,
    audit.StoreAudit,
    api_keys.StoreApiKeys,
    catalogue.StoreCatalogue,
    orders.StoreOrders,
    points.StorePoints,
    rewards.StoreRewards,
    store_fields.StoreCustomers,
    feedback.StoreFeedback,
    tiers.StoreTiers,
    stamps.StoreStamps,
    coupons.StoreCoupons,
    offers.StoreOffers,
    campaigns.StoreCampaigns,
    inventory.StoreInventory,
    settlements.StoreSettlements,
    messages.StoreMessages,
    analytics.StoreAnalytics,
    webhooks.StoreWebhooks,
    tasks.StoreTasks,
    favourites.StoreFavourites,
):
    pass


@strawberry.type(name="Customer", description="A customer of a store, and every domain's fields.")
class Customer(
    orders.CustomerOrders,
    points.CustomerPoints,
    tiers.CustomerTiers,
    stamps.CustomerStamps,
    coupons.CustomerCoupons,
    rewards.CustomerRewards,
):
    pass


Query = merge_types(
    "Query",
    (
        accounts.Query,
        stores.Query,
        staff.Query,
        policies.Query,
        audit.Query,
        nodes.Query,
        campaigns.Query,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        accounts.Mutation,
        notifications.Mutation,
        stores.Mutation,
        staff.Mutation,
        api_keys.Mutation,
        policies.Mutation,
        catalogue.Mutation,
        orders.Mutation,
        tiers.Mutation,
        coupons.Mutation,
        stamps.Mutation,
        offers.Mutation,
        points.Mutation,
        rewards.Mutation,
        customers.Mutation,
        campaigns.Mutation,
        inventory.Mutation,
        settlements.Mutation,
        messages.Mutation,
        webhooks.Mutation,
        tasks.Mutation,
        favourites.Mutation,
    ),
)
NODE_TYPES = [
    Store,
    Customer,
    *customers.NODE_TYPES,
    staff.StaffMember,
    accounts.Account,
    api_keys.ApiKey,
    audit.AuditEntry,
    catalogue.Product,
    catalogue.Category,
    orders.Order,
    tiers.Tier,
    coupons.CouponTemplate,
    coupons.Coupon,
    offers.FirstVisitOffer,
    tiers.TierPromotion,
    tiers.TierChange,
    stamps.StampEntry,
    points.PointEntry,
    rewards.Reward,
    rewards.Redemption,
    campaigns.CupHolderCampaign,
    inventory.StockItem,
    settlements.Settlement,
    settlements.SettlementDispute,
    messages.MessageTemplate,
    messages.MessageCampaign,
    messages.MessageDelivery,
    inventory.PurchaseOrder,
    webhooks.WebhookEndpoint,
    webhooks.WebhookDelivery,
    tasks.StaffTask,
    tasks.TrainingMaterial,
    favourites.FavouriteDraw,
]


class DangolSchema(strawberry.Schema):
    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        """Expected errors are answers, not incidents; ``shaped`` logs the unexpected ones."""


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    schema = DangolSchema(
        query=Query,
        mutation=Mutation,
        subscription=live.Subscription,
        types=NODE_TYPES,
        extensions=hardening_extensions(
            production=settings.production,
            max_depth=settings.max_query_depth,
            max_aliases=settings.max_aliases,
            max_tokens=settings.max_tokens,
        ),
        config=StrawberryConfig(disable_field_suggestions=settings.production),
        execution_context_class=PlainFieldsExecution,
        scalar_overrides=SCALAR_OVERRIDES,
    )
    lean_resolvers(schema)
    return schema
