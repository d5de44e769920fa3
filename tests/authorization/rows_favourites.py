"""The favourite-store game (E4): the owner configures it and reads its report; the counter
and partner apps register customers and play."""

from __future__ import annotations

from models.favourites import FavouriteGame, FavouritePrize, FavouriteRegistration, PrizeKind
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid
from tests.orders.factories import customer

GAME = "query($id: ID!) { store(id: $id) { id favouriteGame { plays } } }"
CONFIGURE = """
mutation($input: ConfigureFavouriteGameInput!) {
  configureFavouriteGame(input: $input) { __typename }
}
"""
REGISTER = """
mutation($input: RegisterFavouriteStoreInput!) {
  registerFavouriteStore(input: $input) { __typename }
}
"""
PLAY = """
mutation($input: PlayFavouriteGameInput!) { playFavouriteGame(input: $input) { __typename } }
"""


async def _game(store_id: int) -> None:
    if not await FavouriteGame.exists(store_id=store_id):
        await FavouriteGame.create(store_id=store_id, revision=1)
        await FavouritePrize.create(
            store_id=store_id,
            revision=1,
            position=0,
            kind=PrizeKind.POINTS,
            points=10,
            odds_bp=5000,
            budget=1000,
        )


async def _report(w: World, target: str) -> dict:
    await _game(w.store_id(target))
    return {"id": w.store(target)}


def _configure(w: World, target: str) -> dict:
    prize = {"kind": "POINTS", "points": 100, "oddsBasisPoints": 1000, "budget": 10}
    return {"input": {"storeId": w.store(target), "active": True, "prizes": [prize]}}


async def _register(w: World, target: str) -> dict:
    return {"input": {"customerId": gid("Customer", await customer(w.store_id(target)))}}


async def _play(w: World, target: str) -> dict:
    store_id = w.store_id(target)
    await _game(store_id)
    player = await customer(store_id)
    await FavouriteRegistration.create(store_id=store_id, customer_id=player)
    return {"input": {"customerId": gid("Customer", player), "idempotencyKey": w.unique("play")}}


OWNERS = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(FORBIDDEN, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
COUNTER: Expectations = {
    **OWNERS,
    "manager": (OK, ABSENT),
    "staff": (OK, ABSENT),
    "partner": (OK, ABSENT),
}

ROWS = [
    Row("Store.favouriteGame", GAME, _report, **OWNERS),
    Row("Mutation.configureFavouriteGame", CONFIGURE, _configure, **OWNERS),
    Row("Mutation.registerFavouriteStore", REGISTER, _register, **COUNTER),
    Row("Mutation.playFavouriteGame", PLAY, _play, **COUNTER),
]
