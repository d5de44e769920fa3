"""``node(id)``: any object by its global id, if the caller may see it; otherwise null."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from tortoise.models import Model

from models.api_keys import ApiKey as ApiKeyModel
from models.audit import AuditEntry as AuditEntryModel
from models.catalogue import Category as CategoryModel, Product as ProductModel
from models.coupons import CouponTemplate as CouponTemplateModel
from models.customers import Customer as CustomerModel, Feedback as FeedbackModel
from models.favourites import FavouriteDraw as FavouriteDrawModel
from models.inventory import StockItem as StockItemModel
from models.messages import (
    MessageCampaign as MessageCampaignModel,
    MessageTemplate as MessageTemplateModel,
)
from models.orders import Order as OrderModel
from models.points import PointEntry as PointEntryModel
from models.rewards import Redemption as RedemptionModel, Reward as RewardModel
from models.settlements import Settlement as SettlementModel
from models.stores import Membership, Store as StoreModel
from models.tasks import StaffTask as StaffTaskModel, TrainingMaterial as TrainingMaterialModel
from models.tiers import Tier as TierModel
from models.webhooks import (
    WebhookDelivery as WebhookDeliveryModel,
    WebhookEndpoint as WebhookEndpointModel,
)
from schema.api_keys import ApiKey
from schema.audit import AuditEntry
from schema.catalogue import Category, Product
from schema.coupons import CouponTemplate
from schema.customers.feedback import Feedback
from schema.customers.types import CustomerProfile
from schema.favourites import FavouriteDraw
from schema.ids import Absent, decode_id
from schema.inventory import StockItem
from schema.messages import MessageCampaign, MessageTemplate
from schema.operations import AUTHENTICATED, query
from schema.orders import Order
from schema.points import PointEntry
from schema.rewards import Redemption, Reward
from schema.settlements import Settlement
from schema.staff import staff_member
from schema.stores import StoreProfile
from schema.tasks import StaffTask, TrainingMaterial
from schema.tiers import Tier
from schema.webhooks import WebhookDelivery, WebhookEndpoint


@dataclass(frozen=True)
class NodeKind:
    model: type[Model]
    action: str
    build: Callable[[Info, Any], Awaitable[relay.Node]]


def _sync(build: Callable[[Any], relay.Node]) -> Callable[[Info, Any], Awaitable[relay.Node]]:
    async def wrapped(info: Info, row: Any) -> relay.Node:
        return build(row)

    return wrapped


KINDS: dict[str, NodeKind] = {
    "Store": NodeKind(StoreModel, "store.read", _sync(StoreProfile.from_model)),
    "StaffMember": NodeKind(Membership, "staff.read", staff_member),
    "ApiKey": NodeKind(ApiKeyModel, "api_keys.read", _sync(ApiKey.from_model)),
    "AuditEntry": NodeKind(AuditEntryModel, "audit.read", _sync(AuditEntry.from_model)),
    "Product": NodeKind(ProductModel, "products.read", _sync(Product.from_model)),
    "Category": NodeKind(CategoryModel, "products.read", _sync(Category.from_model)),
    "Order": NodeKind(OrderModel, "orders.read", _sync(Order.from_model)),
    "Tier": NodeKind(TierModel, "tiers.read", _sync(Tier.from_model)),
    "CouponTemplate": NodeKind(
        CouponTemplateModel, "coupons.read", _sync(CouponTemplate.from_model)
    ),
    "Customer": NodeKind(CustomerModel, "customers.read", _sync(CustomerProfile.from_model)),
    "Feedback": NodeKind(FeedbackModel, "feedback.read", _sync(Feedback.from_model)),
    "PointEntry": NodeKind(PointEntryModel, "points.read", _sync(PointEntry.from_model)),
    "Reward": NodeKind(RewardModel, "rewards.read", _sync(Reward.from_model)),
    "Redemption": NodeKind(RedemptionModel, "rewards.read", _sync(Redemption.from_model)),
    "StockItem": NodeKind(StockItemModel, "inventory.read", _sync(StockItem.from_model)),
    "Settlement": NodeKind(SettlementModel, "settlements.read", _sync(Settlement.from_model)),
    "MessageTemplate": NodeKind(
        MessageTemplateModel, "messages.read", _sync(MessageTemplate.from_model)
    ),
    "MessageCampaign": NodeKind(
        MessageCampaignModel, "messages.read", _sync(MessageCampaign.from_model)
    ),
    "FavouriteDraw": NodeKind(
        FavouriteDrawModel, "favourites.draw", _sync(FavouriteDraw.from_model)
    ),
    "StaffTask": NodeKind(StaffTaskModel, "tasks.read", _sync(StaffTask.from_model)),
    "TrainingMaterial": NodeKind(
        TrainingMaterialModel, "tasks.read", _sync(TrainingMaterial.from_model)
    ),
    "WebhookEndpoint": NodeKind(
        WebhookEndpointModel, "webhooks.read", _sync(WebhookEndpoint.from_model)
    ),
    "WebhookDelivery": NodeKind(
        WebhookDeliveryModel, "webhooks.read", _sync(WebhookDelivery.from_model)
    ),
}


def _store_of(row: Any) -> int | None:
    return row.id if isinstance(row, StoreModel) else row.store_id


@strawberry.type
class Query:
    @query(AUTHENTICATED)
    async def node(self, info: Info, id: relay.GlobalID) -> relay.Node | None:
        kind = KINDS.get(id.type_name)
        if kind is None:
            return None
        try:
            row = await kind.model.get_or_none(pk=decode_id(id, id.type_name))
        except Absent:
            return None
        if row is None:
            return None
        principal = await info.context.principal()
        policy = await info.context.current_policy()
        if not policy.allows(principal, kind.action, _store_of(row)):
            return None
        return await kind.build(info, row)
