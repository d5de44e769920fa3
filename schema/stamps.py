"""Stamp cards: a store's card and a customer's progress on it."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.rewards import StampCard as StampCardModel, StampEntry as StampEntryModel
from resolvers import stamps
from resolvers.stamps import card_of
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import StampRule
from schema.errors import result
from schema.ids import decode_id, global_id
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import source_store, store_id_at
from schema.stores import StoreProfile
from schema.tiers import ref


@strawberry.type
class StampCard:
    stamps_required: int
    rule: StampRule
    amount_per_stamp: int | None
    product_id: relay.GlobalID | None
    category_id: relay.GlobalID | None
    reward_id: relay.GlobalID | None
    is_active: bool
    updated_at: datetime

    @classmethod
    def from_model(cls, c: StampCardModel) -> "StampCard":
        return cls(
            stamps_required=c.stamps_required,
            rule=c.rule,
            amount_per_stamp=c.amount_per_stamp,
            product_id=global_id("Product", c.product_id),
            category_id=global_id("Category", c.category_id),
            reward_id=global_id("Reward", c.reward_id),
            is_active=c.is_active,
            updated_at=c.updated_at,
        )


@strawberry.type(description="One line of a customer's stamp history.")
class StampEntry(relay.Node):
    id: relay.NodeID[int]
    amount: int = strawberry.field(description="Signed: positive adds, negative takes away.")
    balance_after: int
    reason: str = strawberry.field(description="e.g. ORDER, REDEEM, REFUND, CANCELLED.")
    order_id: relay.GlobalID | None
    created_at: datetime

    @classmethod
    def from_model(cls, e: StampEntryModel) -> "StampEntry":
        return cls(
            id=e.id,
            amount=e.amount,
            balance_after=e.balance_after,
            reason=e.reason,
            order_id=global_id("Order", e.order_id),
            created_at=e.created_at,
        )


@strawberry.type
class StampEntryConnection(Connection[StampEntry]):
    pass


@strawberry.type(description="A customer's progress on the store's stamp card.")
class CustomerStampCard:
    stamps: int
    required: int
    rewards_available: int = strawberry.field(
        description="Full cards the stamps held would pay for."
    )
    card: StampCard


async def customer_stamp_card(
    info: Info, store_id: int, customer_id: int
) -> CustomerStampCard | None:
    card = await info.context.loaders.batch(stamps.cards_of_stores).load(store_id)
    if card is None:
        return None
    held = await info.context.loaders.batch(stamps.balances_of).load(customer_id)
    return CustomerStampCard(
        stamps=held,
        required=card.stamps_required,
        rewards_available=held // card.stamps_required,
        card=StampCard.from_model(card),
    )


@strawberry.input
class ConfigureStampCardInput:
    store_id: relay.GlobalID
    stamps_required: int
    rule: StampRule = StampRule.PER_VISIT
    amount_per_stamp: int | None = None
    product_id: relay.GlobalID | None = None
    category_id: relay.GlobalID | None = None
    reward_id: relay.GlobalID | None = None
    is_active: bool = True


@strawberry.type
class StampCardSuccess:
    card: StampCard


StampCardResult = result("StampCardResult", StampCardSuccess, errors.InvalidInput, errors.NotFound)


@strawberry.type
class Mutation:
    @mutation(
        "stamps.configure",
        store=store_id_at("input.store_id"),
        absent="store",
        result=StampCardResult,
    )
    async def configure_stamp_card(
        self, info: Info, input: ConfigureStampCardInput
    ) -> StampCardSuccess:
        fields = stamps.CardFields(
            stamps_required=input.stamps_required,
            rule=input.rule,
            amount_per_stamp=input.amount_per_stamp,
            product_id=ref(input.product_id, "Product", "productId"),
            category_id=ref(input.category_id, "Category", "categoryId"),
            reward_id=ref(input.reward_id, "Reward", "rewardId"),
            is_active=input.is_active,
        )
        card = await stamps.configure(
            info.context, store_id=decode_id(input.store_id, "Store"), fields=fields
        )
        return StampCardSuccess(card=StampCard.from_model(card))


@strawberry.type
class StoreStamps(StoreProfile):
    @query("stamps.read", store=source_store())
    async def stamp_card(self, info: Info) -> StampCard | None:
        card = await card_of(self.id)
        return StampCard.from_model(card) if card else None


@strawberry.type
class CustomerStamps(CustomerProfile):
    @query("stamps.read", store=customer_store)
    async def stamp_card(self, info: Info) -> CustomerStampCard | None:

        return await customer_stamp_card(info, self.store_id, self.id)

    @query("stamps.read", store=customer_store, description="Newest first.")
    async def stamp_history(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> StampEntryConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await stamps.history_page(
            customer_id=self.id, size=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            StampEntryConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=StampEntry.from_model,
            has_previous=cursor is not None,
            total=StampEntryModel.filter(customer_id=self.id).count,
        )
