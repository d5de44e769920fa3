"""``node(id)``: any object by its global id, if the caller may see it; otherwise null."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info
from tortoise.models import Model

from models.accounts import Account as AccountModel
from models.api_keys import ApiKey as ApiKeyModel
from models.audit import AuditEntry as AuditEntryModel
from models.campaigns import CupHolderCampaign as CupHolderCampaignModel
from models.catalogue import Category as CategoryModel, Product as ProductModel
from models.coupons import (
    Coupon as CouponModel,
    CouponTemplate as CouponTemplateModel,
    FirstVisitOffer as FirstVisitOfferModel,
)
from models.customers import (
    Customer as CustomerModel,
    Feedback as FeedbackModel,
    StoreAlert as StoreAlertModel,
)
from models.favourites import FavouriteDraw as FavouriteDrawModel
from models.inventory import PurchaseOrder as PurchaseOrderModel, StockItem as StockItemModel
from models.messages import (
    MessageCampaign as MessageCampaignModel,
    MessageDelivery as MessageDeliveryModel,
    MessageTemplate as MessageTemplateModel,
)
from models.orders import Order as OrderModel
from models.points import PointEntry as PointEntryModel
from models.rewards import (
    Redemption as RedemptionModel,
    Reward as RewardModel,
    StampEntry as StampEntryModel,
)
from models.settlements import (
    Settlement as SettlementModel,
    SettlementDispute as SettlementDisputeModel,
)
from models.stores import Membership, Store as StoreModel
from models.tasks import StaffTask as StaffTaskModel, TrainingMaterial as TrainingMaterialModel
from models.tiers import (
    Tier as TierModel,
    TierChange as TierChangeModel,
    TierPromotion as TierPromotionModel,
)
from models.webhooks import (
    WebhookDelivery as WebhookDeliveryModel,
    WebhookEndpoint as WebhookEndpointModel,
)
from policies.enforcement import PolicyEngine, Principal
from schema.accounts import Account
from schema.api_keys import ApiKey
from schema.audit import AuditEntry
from schema.campaigns import CupHolderCampaign
from schema.catalogue import Category, Product
from schema.coupons import Coupon, CouponTemplate
from schema.customers.feedback import Feedback, StoreAlert
from schema.customers.types import CustomerProfile
from schema.favourites import FavouriteDraw
from schema.ids import Absent, decode_id
from schema.inventory import PurchaseOrder, StockItem
from schema.messages import MessageCampaign, MessageDelivery, MessageTemplate
from schema.offers import FirstVisitOffer
from schema.operations import AUTHENTICATED, may_see, query
from schema.orders import Order
from schema.points import PointEntry
from schema.rewards import Redemption, Reward
from schema.settlements import Settlement, SettlementDispute
from schema.staff import staff_member
from schema.stamps import StampEntry
from schema.stores import StoreProfile
from schema.tasks import StaffTask, TrainingMaterial
from schema.tiers import Tier, TierChange, TierPromotion
from schema.webhooks import WebhookDelivery, WebhookEndpoint

Visible = Callable[[Info, PolicyEngine, Principal, Any], Awaitable[bool]]


@dataclass(frozen=True)
class NodeKind:
    """How ``node`` finds a type: its rows, the action that shows one, and how to build it.

    A row of a store is shown under the same rule as every other path (``may_see``: the
    store is visible to the caller, and ``action`` is allowed there); ``visible`` adds the
    rule of a type that has one of its own (an account, an alert addressed to one person).
    """

    model: type[Model]
    action: str
    build: Callable[[Info, Any], Awaitable[relay.Node]]
    visible: Visible | None = None


def _sync(build: Callable[[Any], relay.Node]) -> Callable[[Info, Any], Awaitable[relay.Node]]:
    async def wrapped(info: Info, row: Any) -> relay.Node:
        return build(row)

    return wrapped


async def _coupon(info: Info, row: CouponModel) -> relay.Node:
    await row.fetch_related("template")
    return Coupon.from_model(row)


async def _account(info: Info, row: AccountModel) -> relay.Node:
    return Account.from_model(row)


async def _own_or_staff(
    info: Info, policy: PolicyEngine, principal: Principal, row: AccountModel
) -> bool:
    """Your own account, the platform's view, or a member of a store whose staff you may read."""
    if principal.account_id == row.id or policy.allows(principal, "staff.read", None):
        return True
    stores: list[Any] = await Membership.filter(account_id=row.id).values_list(
        "store_id", flat=True
    )
    return any(may_see(policy, principal, "staff.read", store_id) for store_id in stores)


async def _addressed_to_caller(
    info: Info, policy: PolicyEngine, principal: Principal, row: StoreAlertModel
) -> bool:
    return principal.account_id is not None and row.recipient_id == principal.account_id


async def _open_to_a_store_of_caller(
    info: Info, policy: PolicyEngine, principal: Principal, row: CupHolderCampaignModel
) -> bool:
    """Campaigns are offered platform-wide: whoever may read campaigns in some store sees them."""
    if policy.allows(principal, "cupholder.manage", None):
        return True
    if principal.api_key_store_id is not None:
        stores = [principal.api_key_store_id]
    else:
        stores = sorted(policy.store_roles(principal.subject))
    return any(may_see(policy, principal, "cupholder.read", store_id) for store_id in stores)


KINDS: dict[str, NodeKind] = {
    "Account": NodeKind(AccountModel, "store.read", _account, _own_or_staff),
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
    "StoreAlert": NodeKind(
        StoreAlertModel, "store.read", _sync(StoreAlert.from_model), _addressed_to_caller
    ),
    "Coupon": NodeKind(CouponModel, "coupons.read", _coupon),
    "FirstVisitOffer": NodeKind(
        FirstVisitOfferModel, "coupons.read", _sync(FirstVisitOffer.from_model)
    ),
    "TierPromotion": NodeKind(TierPromotionModel, "tiers.read", _sync(TierPromotion.from_model)),
    "TierChange": NodeKind(TierChangeModel, "tiers.read", _sync(TierChange.from_model)),
    "StampEntry": NodeKind(StampEntryModel, "stamps.read", _sync(StampEntry.from_model)),
    "CupHolderCampaign": NodeKind(
        CupHolderCampaignModel,
        "cupholder.read",
        _sync(CupHolderCampaign.from_model),
        _open_to_a_store_of_caller,
    ),
    "PointEntry": NodeKind(PointEntryModel, "points.read", _sync(PointEntry.from_model)),
    "Reward": NodeKind(RewardModel, "rewards.read", _sync(Reward.from_model)),
    "Redemption": NodeKind(RedemptionModel, "rewards.read", _sync(Redemption.from_model)),
    "StockItem": NodeKind(StockItemModel, "inventory.read", _sync(StockItem.from_model)),
    "PurchaseOrder": NodeKind(
        PurchaseOrderModel, "inventory.read", _sync(PurchaseOrder.from_model)
    ),
    "Settlement": NodeKind(SettlementModel, "settlements.read", _sync(Settlement.from_model)),
    "SettlementDispute": NodeKind(
        SettlementDisputeModel, "settlements.read", _sync(SettlementDispute.from_model)
    ),
    "MessageTemplate": NodeKind(
        MessageTemplateModel, "messages.read", _sync(MessageTemplate.from_model)
    ),
    "MessageCampaign": NodeKind(
        MessageCampaignModel, "messages.read", _sync(MessageCampaign.from_model)
    ),
    "MessageDelivery": NodeKind(
        MessageDeliveryModel, "messages.read", _sync(MessageDelivery.from_model)
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
    """The store a row belongs to; None for a row of the platform (an account, a campaign)."""
    if isinstance(row, StoreModel):
        return row.id
    store_id: int | None = getattr(row, "store_id", None)
    return store_id


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
        store_id = _store_of(row)
        checks_store = store_id is not None or kind.visible is None
        if checks_store and not may_see(policy, principal, kind.action, store_id):
            return None
        if kind.visible is not None and not await kind.visible(info, policy, principal, row):
            return None
        return await kind.build(info, row)
