"""The favourite-store game (E4): a chance per registration, prizes with odds and budgets, draws."""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from models.accounts import Account
    from models.customers import Customer
    from models.rewards import Redemption, Reward
    from models.stores import Store


class PrizeKind(str, Enum):
    POINTS = "POINTS"
    REWARD = "REWARD"


class DrawOutcome(str, Enum):
    WON = "WON"
    NO_PRIZE = "NO_PRIZE"
    PRIZE_EXHAUSTED = "PRIZE_EXHAUSTED"


class FavouriteGame(Model):
    id = fields.IntField(primary_key=True)
    store: fields.OneToOneRelation[Store] = fields.OneToOneField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    is_active = fields.BooleanField(default=True)
    revision = fields.IntField(default=1, description="raised by every configuration")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "favourite_game"


class FavouritePrize(Model):
    """A prize of one revision of the game; ``won`` never passes ``budget``."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    revision = fields.IntField()
    position = fields.IntField()
    kind = fields.CharEnumField(PrizeKind, max_length=10)
    points = fields.IntField(null=True)
    reward: fields.ForeignKeyNullableRelation[Reward] = fields.ForeignKeyField(
        "models.Reward", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    reward_id: int | None
    odds_bp = fields.IntField(description="chance of landing on it, in basis points of a draw")
    budget = fields.IntField(description="how many times it may be won")
    won = fields.IntField(default=0)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite_prize"
        indexes = (("store", "revision", "position"),)


class FavouriteRegistration(Model):
    """A customer's registration of the store as a favourite: one game chance."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    customer: fields.OneToOneRelation[Customer] = fields.OneToOneField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE
    )
    customer_id: int
    registered_by: fields.ForeignKeyNullableRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    registered_by_id: int | None
    registered_at = fields.DatetimeField(auto_now_add=True)
    chance_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "favourite_registration"


class FavouriteDraw(Model):
    """One play: the roll, the prize it landed on and what the customer got."""

    id = fields.IntField(primary_key=True)
    store: fields.ForeignKeyRelation[Store] = fields.ForeignKeyField(
        "models.Store", related_name=False, on_delete=fields.CASCADE
    )
    store_id: int
    registration: fields.OneToOneRelation[FavouriteRegistration] = fields.OneToOneField(
        "models.FavouriteRegistration", related_name=False, on_delete=fields.CASCADE
    )
    registration_id: int
    customer: fields.ForeignKeyRelation[Customer] = fields.ForeignKeyField(
        "models.Customer", related_name=False, on_delete=fields.CASCADE
    )
    customer_id: int
    revision = fields.IntField()
    roll = fields.IntField(description="secrets.randbelow(10000)")
    prize: fields.ForeignKeyNullableRelation[FavouritePrize] = fields.ForeignKeyField(
        "models.FavouritePrize", related_name=False, null=True, on_delete=fields.RESTRICT
    )
    prize_id: int | None
    outcome = fields.CharEnumField(DrawOutcome, max_length=20)
    points_awarded = fields.IntField(default=0)
    redemption: fields.ForeignKeyNullableRelation[Redemption] = fields.ForeignKeyField(
        "models.Redemption", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    redemption_id: int | None
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "favourite_draw"
        indexes = (("store", "revision", "id"),)
