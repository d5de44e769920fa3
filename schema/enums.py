"""The schema's enums: the domain's own enums, each registered once under its GraphQL name.

Annotations use the domain enums themselves (``status: OrderStatus``); import them from
here so that they are registered before any type that names them.
"""

from __future__ import annotations

from enum import Enum

import strawberry

from models.coupons import CouponKind, CouponTrigger, FirstVisitOfferKind
from models.customers import AgeBand, FeedbackCategory, FeedbackChannel, Gender, SourceChannel
from models.favourites import DrawOutcome, PrizeKind
from models.inventory import PurchaseOrderStatus, StockReason
from models.messages import (
    AutomationKind,
    CampaignStatus,
    DeliveryStatus as MessageDeliveryStatus,
    MessageChannel,
)
from models.notifications import NotificationKind
from models.orders import DiscountSource, OrderChannel, OrderStatus
from models.points import PointKind, PointSource, Rounding
from models.rewards import RedemptionStatus, StampRule
from models.settlements import DisputeStatus, SettlementLineKind
from models.stores import CampaignGrade, InvitationStatus, Plan, StoreCategory, StoreRole
from models.tasks import MaterialKind, Shift
from models.tiers import DiscountKind, DiscountScope, TierChangeReason
from models.webhooks import DeliveryStatus as WebhookDeliveryStatus, EventType
from resolvers.customers.csv_import import RowStatus
from resolvers.customers.listing import CustomerSort
from resolvers.customers.segments import Segment
from resolvers.messages.poster import PosterOffer
from resolvers.settlements import DisputeOutcome

GRAPHQL_NAMES: dict[type[Enum], str] = {
    AgeBand: "AgeBand",
    AutomationKind: "AutomationKind",
    CampaignStatus: "MessageCampaignStatus",
    MessageDeliveryStatus: "MessageDeliveryStatus",
    MessageChannel: "MessageChannel",
    PosterOffer: "PosterOffer",
    CampaignGrade: "CampaignGrade",
    CouponKind: "CouponKind",
    CouponTrigger: "CouponTrigger",
    CustomerSort: "CustomerSort",
    DiscountKind: "TierDiscountKind",
    DiscountScope: "DiscountScope",
    DiscountSource: "DiscountSource",
    DisputeOutcome: "DisputeOutcome",
    DisputeStatus: "DisputeStatus",
    DrawOutcome: "FavouriteDrawOutcome",
    WebhookDeliveryStatus: "WebhookDeliveryStatus",
    EventType: "WebhookEventType",
    FeedbackCategory: "FeedbackCategory",
    FeedbackChannel: "FeedbackChannel",
    FirstVisitOfferKind: "FirstVisitOfferKind",
    Gender: "Gender",
    InvitationStatus: "StaffInvitationStatus",
    MaterialKind: "TrainingMaterialKind",
    NotificationKind: "NotificationKind",
    OrderChannel: "OrderChannel",
    OrderStatus: "OrderStatus",
    Plan: "Plan",
    PointKind: "PointKind",
    PointSource: "PointSource",
    PurchaseOrderStatus: "PurchaseOrderStatus",
    PrizeKind: "FavouritePrizeKind",
    RedemptionStatus: "RedemptionStatus",
    Rounding: "PointRounding",
    RowStatus: "ImportRowStatus",
    Segment: "CustomerSegment",
    SettlementLineKind: "SettlementLineKind",
    Shift: "Shift",
    SourceChannel: "SourceChannel",
    StampRule: "StampRule",
    StockReason: "StockReason",
    StoreCategory: "StoreCategory",
    StoreRole: "StoreRole",
    TierChangeReason: "TierChangeReason",
}
for enum, name in GRAPHQL_NAMES.items():
    strawberry.enum(enum, name=name)

__all__ = [
    "AgeBand",
    "AutomationKind",
    "CampaignGrade",
    "CampaignStatus",
    "CouponKind",
    "CouponTrigger",
    "CustomerSort",
    "DiscountKind",
    "DiscountScope",
    "DiscountSource",
    "DisputeOutcome",
    "DisputeStatus",
    "DrawOutcome",
    "EventType",
    "FeedbackCategory",
    "FeedbackChannel",
    "FirstVisitOfferKind",
    "Gender",
    "InvitationStatus",
    "MaterialKind",
    "MessageChannel",
    "MessageDeliveryStatus",
    "NotificationKind",
    "OrderChannel",
    "OrderStatus",
    "Plan",
    "PointKind",
    "PointSource",
    "PosterOffer",
    "PrizeKind",
    "PurchaseOrderStatus",
    "RedemptionStatus",
    "Rounding",
    "RowStatus",
    "Segment",
    "SettlementLineKind",
    "Shift",
    "SourceChannel",
    "StampRule",
    "StockReason",
    "StoreCategory",
    "StoreRole",
    "TierChangeReason",
    "WebhookDeliveryStatus",
]
