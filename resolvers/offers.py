"""The first-visit offer (C4): one active offer per store, applied automatically at checkout
to a customer who has no completed visit yet."""

from __future__ import annotations

from dataclasses import dataclass

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotFound
from models.catalogue import Product
from models.coupons import FirstVisitOffer, FirstVisitOfferKind
from models.customers import Customer
from models.orders import DiscountSource, OrderDiscount, OrderStatus
from resolvers import audit

MAX_AMOUNT = 10**12


@dataclass(frozen=True)
class OfferFields:
    kind: FirstVisitOfferKind
    value: int = 0
    minimum_spend: int = 0
    gift_product_id: int | None = None
    is_active: bool = True


def _check(f: OfferFields) -> None:
    if f.kind == FirstVisitOfferKind.PERCENT and not 1 <= f.value <= 100:
        raise InvalidInput("A percent offer is 1 to 100.", field="value")
    if (
        f.kind in (FirstVisitOfferKind.FIXED, FirstVisitOfferKind.SPEND_THRESHOLD)
        and not 1 <= f.value <= MAX_AMOUNT
    ):
        raise InvalidInput("The offer takes a positive amount off.", field="value")
    if f.kind == FirstVisitOfferKind.SPEND_THRESHOLD and f.minimum_spend < 1:
        raise InvalidInput("A spend-threshold offer needs its threshold.", field="minimum_spend")
    if f.kind == FirstVisitOfferKind.GIFT_ITEM and (f.gift_product_id is None or f.value != 0):
        raise InvalidInput(
            "A gift offer names the gift product and has no value.", field="gift_product_id"
        )
    if f.kind != FirstVisitOfferKind.GIFT_ITEM and f.gift_product_id is not None:
        raise InvalidInput("Only a gift offer names a gift product.", field="gift_product_id")
    if not 0 <= f.minimum_spend <= MAX_AMOUNT:
        raise InvalidInput("A minimum spend is zero or more.", field="minimum_spend")


async def set_offer(ctx: Context, *, store_id: int, fields: OfferFields) -> FirstVisitOffer:
    """The new offer replaces the active one; earlier offers are kept, inactive."""
    _check(fields)
    if fields.gift_product_id is not None and not await Product.exists(
        id=fields.gift_product_id, store_id=store_id, is_archived=False
    ):
        raise NotFound("No such product.", field="gift_product_id")
    async with write_transaction():
        await FirstVisitOffer.filter(store_id=store_id, is_active=True).update(is_active=False)
        offer = await FirstVisitOffer.create(store_id=store_id, **vars(fields))
        await audit.record(
            ctx,
            store_id=store_id,
            action="first_visit_offers.set",
            target_type="first_visit_offer",
            target_id=offer.id,
            after={**vars(fields), "kind": fields.kind.value},
        )
    return offer


async def active_offer(store_id: int) -> FirstVisitOffer | None:
    return await FirstVisitOffer.filter(store_id=store_id, is_active=True).order_by("-id").first()


async def is_first_visit(*, store_id: int, customer_id: int, order_id: int) -> bool:
    """No completed visit yet, and no other open order already holding the offer.

    Safe against racing first orders: create_order holds the customer's row.
    """
    if not await Customer.exists(id=customer_id, first_visit_at__isnull=True):
        return False
    return not await OrderDiscount.exists(
        source=DiscountSource.FIRST_VISIT,
        order__customer_id=customer_id,
        order__status__not_in=(OrderStatus.CANCELLED, OrderStatus.REFUNDED),
        order_id__not=order_id,
    )


async def offer_for(
    *, store_id: int, customer_id: int | None, order_id: int, running: int
) -> tuple[FirstVisitOffer, int, str] | None:
    """The offer, the amount it takes off ``running`` and its label,
    or None when it does not apply."""
    if customer_id is None:
        return None
    offer = await active_offer(store_id)
    if offer is None or running < offer.minimum_spend:
        return None
    if not await is_first_visit(store_id=store_id, customer_id=customer_id, order_id=order_id):
        return None
    if offer.kind == FirstVisitOfferKind.PERCENT:
        return offer, running * offer.value // 100, f"First visit {offer.value}% off"
    if offer.kind == FirstVisitOfferKind.GIFT_ITEM:
        name = await Product.filter(id=offer.gift_product_id).values_list("name", flat=True)
        return offer, 0, f"First visit gift: {name[0] if name else 'gift'}"
    return offer, min(offer.value, running), f"First visit {offer.value} off"
