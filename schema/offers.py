"""The first-visit offer of a store."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.coupons import FirstVisitOffer as FirstVisitOfferModel
from resolvers import offers
from resolvers.offers import active_offer
from schema.enums import FirstVisitOfferKind
from schema.errors import result
from schema.ids import decode_id, global_id
from schema.operations import mutation, query
from schema.scopes import source_store, store_id_at
from schema.stores import StoreProfile
from schema.tiers import ref


@strawberry.type
class FirstVisitOffer(relay.Node):
    id: relay.NodeID[int]
    kind: FirstVisitOfferKind
    value: int = strawberry.field(description="Percent (1-100) or won; 0 for a gift item.")
    minimum_spend: int
    gift_product_id: relay.GlobalID | None
    is_active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, o: FirstVisitOfferModel) -> "FirstVisitOffer":
        gift = o.gift_product_id
        return cls(
            id=o.id,
            kind=o.kind,
            value=o.value,
            minimum_spend=o.minimum_spend,
            gift_product_id=global_id("Product", gift),
            is_active=o.is_active,
            created_at=o.created_at,
        )


@strawberry.input
class SetFirstVisitOfferInput:
    store_id: relay.GlobalID
    kind: FirstVisitOfferKind
    value: int = 0
    minimum_spend: int = 0
    gift_product_id: relay.GlobalID | None = None
    is_active: bool = True


@strawberry.type
class FirstVisitOfferSuccess:
    offer: FirstVisitOffer


FirstVisitOfferResult = result(
    "FirstVisitOfferResult",
    FirstVisitOfferSuccess,
    errors.InvalidInput,
    errors.NotFound,
)


@strawberry.type
class Mutation:
    @mutation(
        "first_visit_offers.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=FirstVisitOfferResult,
    )
    async def set_first_visit_offer(
        self, info: Info, input: SetFirstVisitOfferInput
    ) -> FirstVisitOfferSuccess:
        fields = offers.OfferFields(
            kind=input.kind,
            value=input.value,
            minimum_spend=input.minimum_spend,
            gift_product_id=ref(input.gift_product_id, "Product", "giftProductId"),
            is_active=input.is_active,
        )
        offer = await offers.set_offer(
            info.context, store_id=decode_id(input.store_id, "Store"), fields=fields
        )
        return FirstVisitOfferSuccess(offer=FirstVisitOffer.from_model(offer))


@strawberry.type
class StoreOffers(StoreProfile):
    @query("coupons.read", store=source_store())
    async def first_visit_offer(self, info: Info) -> FirstVisitOffer | None:
        offer = await active_offer(self.id)
        return FirstVisitOffer.from_model(offer) if offer else None
