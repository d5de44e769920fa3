"""Stamp cards (E1): stamps earned on completed orders by the card's rule, kept in a ledger.

The balance changes only by conditional UPDATEs; each ledger entry keeps the
balance after it. Stamps of an order carry the rule they were earned under,
so a refund takes back its share even if the card changed since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.expressions import F

from core.context import Context
from core.database import add_to_row, write_transaction
from core.errors import InvalidInput, NotFound
from models.catalogue import Category, Product
from models.orders import Order, OrderLine
from models.rewards import Reward, StampBalance, StampCard, StampEntry, StampRule
from resolvers import audit, outbox

EARN_PREFIX = "ORDER_"
REFUND = "REFUND"


@dataclass(frozen=True)
class CardFields:
    stamps_required: int
    rule: StampRule
    amount_per_stamp: int | None = None
    product_id: int | None = None
    category_id: int | None = None
    reward_id: int | None = None
    is_active: bool = True


def _check(f: CardFields) -> None:
    if not 1 <= f.stamps_required <= 100:
        raise InvalidInput("A card needs 1 to 100 stamps.", field="stamps_required")
    if f.rule == StampRule.PER_AMOUNT and not (
        f.amount_per_stamp and 1 <= f.amount_per_stamp <= 10**9
    ):
        raise InvalidInput(
            "A per-amount card says how much one stamp takes.", field="amount_per_stamp"
        )
    if f.rule != StampRule.PER_AMOUNT and f.amount_per_stamp is not None:
        raise InvalidInput(
            "Only a per-amount card has an amount per stamp.", field="amount_per_stamp"
        )
    if f.rule != StampRule.PER_ITEM and (f.product_id is not None or f.category_id is not None):
        raise InvalidInput(
            "Only a per-item card names a product or a category.", field="product_id"
        )
    if f.product_id is not None and f.category_id is not None:
        raise InvalidInput(
            "A per-item card names a product or a category, not both.", field="category_id"
        )


async def configure(ctx: Context, *, store_id: int, fields: CardFields) -> StampCard:
    _check(fields)
    references = (
        (fields.product_id, Product, "product_id"),
        (fields.category_id, Category, "category_id"),
        (fields.reward_id, Reward, "reward_id"),
    )
    for pk, model, field in references:
        if pk is not None and not await model.exists(id=pk, store_id=store_id):
            raise NotFound("No such object in this store.", field=field)
    values: dict[str, Any] = {
        "stamps_required": fields.stamps_required,
        "rule": fields.rule,
        "amount_per_stamp": fields.amount_per_stamp,
        "product_id": fields.product_id,
        "category_id": fields.category_id,
        "reward_id": fields.reward_id,
        "is_active": fields.is_active,
    }
    async with write_transaction():
        updated = await StampCard.filter(store_id=store_id).update(
            **values, updated_at=datetime.now(UTC)
        )
        if not updated:
            await StampCard.create(store_id=store_id, **values)
        await audit.record(
            ctx,
            store_id=store_id,
            action="stamps.configure",
            target_type="stamp_card",
            target_id=store_id,
            after={**values, "rule": fields.rule.value},
        )
    return await StampCard.get(store_id=store_id)


async def card_of(store_id: int) -> StampCard | None:
    return await StampCard.get_or_none(store_id=store_id)


async def cards_of_stores(store_ids: list[int]) -> list[StampCard | None]:
    """The stamp card of each store, in the order asked; one query for any number."""
    cards = {card.store_id: card for card in await StampCard.filter(store_id__in=store_ids)}
    return [cards.get(store_id) for store_id in store_ids]


async def balance_of(customer_id: int) -> int:
    return (await balances_of([customer_id]))[0]


async def balances_of(customer_ids: list[int]) -> list[int]:
    """Stamps held by each customer, in the order asked; one query for any number."""
    rows = await StampBalance.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "stamps"
    )
    held = {int(customer): int(stamps) for customer, stamps in rows}
    return [held.get(customer, 0) for customer in customer_ids]


async def _earned(card: StampCard, order: Order) -> int:
    if card.rule == StampRule.PER_VISIT:
        return 1
    if card.rule == StampRule.PER_AMOUNT:
        return int(order.total // (card.amount_per_stamp or 1))
    lines = await OrderLine.filter(order_id=order.id).values_list("product_id", "quantity")
    product_id = card.product_id
    category_id = card.category_id
    if category_id is not None:
        wanted = set(
            await Product.filter(
                id__in=[pk for pk, _ in lines], category_id=category_id
            ).values_list("id", flat=True)
        )
        return sum(quantity for pk, quantity in lines if pk in wanted)
    return sum(quantity for pk, quantity in lines if product_id is None or pk == product_id)


async def _add_stamps(store_id: int, customer_id: int, amount: int) -> int:
    """Add ``amount`` stamps (the balance row created if missing) in one statement, which locks
    the row as an UPDATE does; returns the stamps held after."""
    row = await add_to_row(
        "stamp_balance",
        {"customer_id": customer_id},
        {"stamps": amount},
        replaced={"store_id": store_id, "updated_at": datetime.now(UTC)},
        returning=["stamps"],
    )
    return int(row["stamps"])


async def _change(
    *, store_id: int, customer_id: int, amount: int, reason: str, order_id: int | None
) -> int:
    """Add (or, negative, take) stamps; never below zero. Returns the amount actually changed."""
    after: int | None = None
    if amount > 0:
        after = await _add_stamps(store_id, customer_id, amount)
    elif amount < 0:
        held = await balance_of(customer_id)
        amount = -min(-amount, held)
        if amount == 0 or not await StampBalance.filter(
            customer_id=customer_id, stamps__gte=-amount
        ).update(stamps=F("stamps") + amount):
            return 0
    else:
        return 0
    if after is None:
        after = await balance_of(customer_id)
    await StampEntry.create(
        store_id=store_id,
        customer_id=customer_id,
        amount=amount,
        balance_after=after,
        reason=reason,
        order_id=order_id,
    )
    return amount


async def active_card_of(store_id: int) -> StampCard | None:
    return await StampCard.get_or_none(store_id=store_id, is_active=True)


async def award_with_card(*, order: Order, card: StampCard | None, at: datetime) -> int:
    """On completion, inside its transaction, with the store's active card (None: none) read
    by the caller; a first visit also tells the customer about the card."""
    order_id: int = order.id
    customer_id: int | None = order.customer_id
    store_id: int = order.store_id
    if customer_id is None or card is None:
        return 0
    earned = await _earned(card, order)
    added = await _change(
        store_id=store_id,
        customer_id=customer_id,
        amount=earned,
        reason=EARN_PREFIX + card.rule.value,
        order_id=order_id,
    )
    if order.is_first_visit:
        await outbox.enqueue(
            store_id=store_id,
            customer_id=customer_id,
            kind="stamp_card.welcome",
            payload={
                "stamps": await balance_of(customer_id),
                "stamps_required": card.stamps_required,
                "rule": card.rule.value,
            },
        )
    return added


async def reverse_for_order(*, order_id: int, full: bool) -> int:
    """Take back the order's stamps: all on a full refund or cancellation,
    else its refunded share."""
    order = await Order.get(id=order_id)
    customer_id: int | None = order.customer_id
    if customer_id is None:
        return 0
    entries = await StampEntry.filter(order_id=order_id).values("amount", "reason")
    earned = sum(e["amount"] for e in entries if e["reason"].startswith(EARN_PREFIX))
    net = sum(e["amount"] for e in entries)
    if earned <= 0 or net <= 0:
        return 0
    rule = next(e["reason"] for e in entries if e["reason"].startswith(EARN_PREFIX))
    if full:
        owed = 0
    elif rule == EARN_PREFIX + StampRule.PER_VISIT.value or order.total <= 0:
        owed = earned
    else:
        owed = earned * (order.total - order.refunded_amount) // order.total
    return await _change(
        store_id=order.store_id,
        customer_id=customer_id,
        amount=owed - net,
        reason=REFUND,
        order_id=order_id,
    )


async def give_back(
    *, store_id: int, customer_id: int, stamps: int, reason: str, order_id: int | None = None
) -> int:
    return await _change(
        store_id=store_id, customer_id=customer_id, amount=stamps, reason=reason, order_id=order_id
    )


async def history_page(*, customer_id: int, size: int, before_id: int | None) -> list[StampEntry]:
    """A customer's stamp entries, newest first; one more than ``size``."""
    query = StampEntry.filter(customer_id=customer_id)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)
