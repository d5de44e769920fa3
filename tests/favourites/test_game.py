"""The favourite-store game: one chance per registration, fair draws, budgets never exceeded."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from models.favourites import DrawOutcome, FavouriteDraw, FavouritePrize
from models.points import PointEntry
from models.rewards import Redemption, RedemptionStatus, Reward
from resolvers.favourites import land
from tests.client import Api, gid
from tests.orders.factories import customer

CONFIGURE = """
mutation($input: ConfigureFavouriteGameInput!) {
  configureFavouriteGame(input: $input) {
    __typename
    ... on ConfigureFavouriteGameSuccess {
      game { active revision prizes { prize { kind budget } } }
    }
    ... on UserError { code message field }
  }
}
"""
REGISTER = """
mutation($input: RegisterFavouriteStoreInput!) {
  registerFavouriteStore(input: $input) {
    __typename
    ... on RegisterFavouriteStoreSuccess { newlyRegistered chanceAvailable }
    ... on UserError { code message field }
  }
}
"""
PLAY = """
mutation($input: PlayFavouriteGameInput!) {
  playFavouriteGame(input: $input) {
    __typename
    ... on PlayFavouriteGameSuccess {
      draw { id outcome roll pointsAwarded redemptionId prize { kind points } }
    }
    ... on NoGameChance { usedAt }
    ... on UserError { code message field }
  }
}
"""
GAME = """
query($id: ID!) {
  store(id: $id) {
    favouriteGame {
      active plays registrations pointsBudget pointsSpent noPrizeOddsBasisPoints noPrizeLandings
      prizes {
        landed expectedLandings observedRate
        prize { kind points oddsBasisPoints budget won remaining }
      }
    }
  }
}
"""


def _points(points: int, odds: int, budget: int) -> dict:
    return {"kind": "POINTS", "points": points, "oddsBasisPoints": odds, "budget": budget}


async def _configure(api: Api, token: str, prizes: list[dict], active: bool = True) -> dict:
    body = await api.data(
        CONFIGURE,
        {"input": {"storeId": gid("Store", 1), "active": active, "prizes": prizes}},
        token=token,
    )
    return dict(body["configureFavouriteGame"])


async def _register(api: Api, token: str, customer_id: int) -> dict:
    body = await api.data(
        REGISTER, {"input": {"customerId": gid("Customer", customer_id)}}, token=token
    )
    return dict(body["registerFavouriteStore"])


async def _play(api: Api, token: str, customer_id: int, key: str) -> dict:
    body = await api.data(
        PLAY,
        {"input": {"customerId": gid("Customer", customer_id), "idempotencyKey": key}},
        token=token,
    )
    return dict(body["playFavouriteGame"])


def test_a_roll_lands_on_the_prize_whose_slice_holds_it() -> None:
    prizes = [FavouritePrize(id=1, odds_bp=100), FavouritePrize(id=2, odds_bp=900)]
    assert [getattr(land(roll, prizes), "id", None) for roll in (0, 99, 100, 999, 1000, 9999)] == [
        1,
        1,
        2,
        2,
        None,
        None,
    ]


async def test_one_chance_per_registration_and_points_through_the_ledger(api: Api) -> None:
    # given a game that always gives 500 points
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    assert (await _configure(api, owner, [_points(500, 10_000, 100)]))["__typename"] == (
        "ConfigureFavouriteGameSuccess"
    )
    regular = await customer(1)
    # when the customer registers twice, plays, retries the play, then plays again
    first = await _register(api, staff, regular)
    second = await _register(api, staff, regular)
    played = await _play(api, staff, regular, "play-1")
    retried = await _play(api, staff, regular, "play-1")
    again = await _play(api, staff, regular, "play-2")
    # then one chance, one draw, one ledger entry
    assert (first["newlyRegistered"], first["chanceAvailable"]) == (True, True)
    assert (second["newlyRegistered"], second["chanceAvailable"]) == (False, True)
    draw = played["draw"]
    assert draw["outcome"] == "WON" and draw["pointsAwarded"] == 500
    assert retried == played
    assert again["__typename"] == "NoGameChance" and again["usedAt"]
    entries = await PointEntry.filter(customer_id=regular).values_list("amount", "reference_type")
    assert entries == [(500, "favourite_draw")]


async def test_no_registration_no_game_and_no_running_game_are_typed_errors(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    regular = await customer(1)
    await _register(api, staff, regular)
    not_running = await _play(api, staff, regular, "k1")
    await _configure(api, owner, [_points(10, 5000, 10)])
    stranger = await customer(1)
    unregistered = await _play(api, staff, stranger, "k2")
    assert not_running["__typename"] == "GameNotAvailable"
    assert unregistered["__typename"] == "NoGameChance" and unregistered["usedAt"] is None
    assert await FavouriteDraw.all().count() == 0


async def test_bad_prizes_are_refused(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    other_reward = await Reward.create(store_id=2, name="쿠키", cost_points=100)
    answers = [
        await _configure(api, owner, [_points(10, 6000, 5), _points(10, 5000, 5)]),
        await _configure(api, owner, [_points(0, 100, 5)]),
        await _configure(api, owner, [_points(10, 100, 0)]),
        await _configure(api, owner, [_points(10, 0, 5)]),
        await _configure(
            api,
            owner,
            [
                {
                    "kind": "REWARD",
                    "rewardId": gid("Reward", other_reward.id),
                    "oddsBasisPoints": 100,
                    "budget": 1,
                }
            ],
        ),
        await _configure(api, owner, []),
    ]
    assert [(a["__typename"], a["field"]) for a in answers] == [
        ("InvalidInput", "prizes"),
        ("InvalidInput", "prizes.0.points"),
        ("InvalidInput", "prizes.0.budget"),
        ("InvalidInput", "prizes.0.oddsBasisPoints"),
        ("NotFound", "prizes.0.rewardId"),
        ("InvalidInput", "prizes"),
    ]
    assert await FavouritePrize.all().count() == 0


async def test_fifty_racing_plays_at_the_last_prize_make_exactly_one_winner(api: Api) -> None:
    # given a prize that every draw lands on, with one win left in its budget
    owner = await api.token("owner1@dangol.test")
    staff = await api.token("staff1@dangol.test")
    await _configure(api, owner, [_points(1000, 10_000, 3)])
    await FavouritePrize.all().update(won=2)
    players = [await customer(1) for _ in range(50)]
    for player in players:
        await _register(api, staff, player)
    # when fifty play at once
    results = await asyncio.gather(
        *(_play(api, staff, player, f"race-{player}") for player in players)
    )
    # then exactly one won it; the others landed on it after the budget was spent
    outcomes = Counter(result["draw"]["outcome"] for result in results)
    assert outcomes == {"WON": 1, "PRIZE_EXHAUSTED": 49}
    prize = await FavouritePrize.get()
    assert prize.won == prize.budget == 3
    assert await PointEntry.filter(reference_type="favourite_draw").count() == 1
    assert await FavouriteDraw.all().count() == 50


async def test_a_reward_prize_is_an_approved_redemption(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    reward = await Reward.create(store_id=1, name="아메리카노 무료", cost_points=3000)
    await _configure(
        api,
        owner,
        [
            {
                "kind": "REWARD",
                "rewardId": gid("Reward", reward.id),
                "oddsBasisPoints": 10_000,
                "budget": 5,
            }
        ],
    )
    regular = await customer(1)
    await _register(api, owner, regular)
    played = await _play(api, owner, regular, "reward-1")
    redemption = await Redemption.get(customer_id=regular)
    assert played["draw"]["redemptionId"] == gid("Redemption", redemption.id)
    assert redemption.status == RedemptionStatus.APPROVED and redemption.points_spent == 0


async def test_the_report_sets_odds_against_outcomes(api: Api) -> None:
    # given a 30% prize with a budget of 1000, and 200 plays
    owner = await api.token("owner1@dangol.test")
    await _configure(api, owner, [_points(100, 3000, 1000)])
    for number in range(200):
        regular = await customer(1)
        await _register(api, owner, regular)
        await _play(api, owner, regular, f"report-{number}")
    # when
    data = await api.data(GAME, {"id": gid("Store", 1)}, token=owner)
    game = data["store"]["favouriteGame"]
    # then the report adds up, and what the draws did is near the odds
    standing = game["prizes"][0]
    draws = await FavouriteDraw.all().values_list("outcome", flat=True)
    wins = sum(1 for outcome in draws if outcome == DrawOutcome.WON)
    assert game["plays"] == 200 and game["registrations"] == 200
    assert standing["landed"] == standing["prize"]["won"] == wins
    assert standing["expectedLandings"] == pytest.approx(60.0)
    assert standing["observedRate"] == pytest.approx(wins / 200)
    assert game["noPrizeLandings"] == 200 - wins and game["noPrizeOddsBasisPoints"] == 7000
    assert game["pointsBudget"] == 100_000 and game["pointsSpent"] == 100 * wins
    assert 30 <= wins <= 90  # 30% of 200: more than 5 standard deviations away is a broken draw
