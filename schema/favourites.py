"""The favourite-store game (E4): registration, the owner's prizes, plays, and the report."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.customers import Customer as CustomerModel
from models.favourites import FavouriteDraw as FavouriteDrawModel, FavouritePrize as PrizeModel
from resolvers import favourites
from schema.enums import DrawOutcome, PrizeKind
from schema.errors import result
from schema.ids import decode_id, global_id, optional_pk_of
from schema.operations import field, mutation, query
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class FavouritePrize:
    kind: PrizeKind
    points: int | None
    reward_id: relay.GlobalID | None
    odds_basis_points: int = strawberry.field(description="Out of 10000 draws.")
    budget: int = strawberry.field(description="How many times it may be won.")
    won: int = strawberry.field(description="The budget spent so far.")
    remaining: int

    @classmethod
    def from_model(cls, prize: PrizeModel) -> FavouritePrize:
        return cls(
            kind=prize.kind,
            points=prize.points,
            reward_id=global_id("Reward", prize.reward_id),
            odds_basis_points=prize.odds_bp,
            budget=prize.budget,
            won=prize.won,
            remaining=max(prize.budget - prize.won, 0),
        )


@strawberry.type(description="A prize's odds against what the draws did.")
class FavouritePrizeStanding:
    prize: FavouritePrize
    landed: int = strawberry.field(description="Draws that landed on it (won or over budget).")
    expected_landings: float = strawberry.field(description="Plays times its odds.")
    observed_rate: float | None = strawberry.field(description="Landed over plays.")


@strawberry.type(description="The game of the current prizes.")
class FavouriteGame:
    active: bool
    revision: int
    registrations: int
    plays: int
    prizes: list[FavouritePrizeStanding]
    no_prize_odds_basis_points: int
    no_prize_landings: int
    points_budget: int = strawberry.field(description="Points the points prizes may give.")
    points_spent: int

    @classmethod
    def from_report(cls, report: favourites.GameReport) -> FavouriteGame:
        plays = report.plays
        standings = [
            FavouritePrizeStanding(
                prize=FavouritePrize.from_model(item.prize),
                landed=item.landed,
                expected_landings=round(plays * item.prize.odds_bp / favourites.ODDS_SCALE, 2),
                observed_rate=round(item.landed / plays, 4) if plays else None,
            )
            for item in report.prizes
        ]
        points = [item.prize for item in report.prizes if item.prize.kind == PrizeKind.POINTS]
        return cls(
            active=report.game.is_active,
            revision=report.game.revision,
            registrations=report.registrations,
            plays=plays,
            prizes=standings,
            no_prize_odds_basis_points=favourites.ODDS_SCALE
            - sum(item.prize.odds_bp for item in report.prizes),
            no_prize_landings=plays - sum(item.landed for item in report.prizes),
            points_budget=sum((p.points or 0) * p.budget for p in points),
            points_spent=sum((p.points or 0) * p.won for p in points),
        )


@strawberry.type(description="One play of the game, as logged.")
class FavouriteDraw(relay.Node):
    id: relay.NodeID[int]
    customer_id: relay.GlobalID
    outcome: DrawOutcome
    roll: int = strawberry.field(description="0-9999, from a cryptographic random source.")
    points_awarded: int
    redemption_id: relay.GlobalID | None = strawberry.field(
        description="The approved redemption of a reward prize, to use at checkout."
    )
    created_at: datetime
    prize_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, draw: FavouriteDrawModel) -> FavouriteDraw:
        return cls(
            id=draw.id,
            customer_id=relay.GlobalID("Customer", str(draw.customer_id)),
            outcome=draw.outcome,
            roll=draw.roll,
            points_awarded=draw.points_awarded,
            redemption_id=global_id("Redemption", draw.redemption_id),
            created_at=draw.created_at,
            prize_pk=draw.prize_id,
        )

    @field(description="The prize the roll landed on.")
    async def prize(self, info: Info) -> FavouritePrize | None:
        if self.prize_pk is None:
            return None
        found = await info.context.loaders.rows(PrizeModel).load(self.prize_pk)
        return FavouritePrize.from_model(found) if found else None


@strawberry.input
class FavouritePrizeInput:
    kind: PrizeKind
    odds_basis_points: int
    budget: int
    points: int | None = None
    reward_id: relay.GlobalID | None = None


@strawberry.input
class ConfigureFavouriteGameInput:
    store_id: relay.GlobalID
    active: bool
    prizes: list[FavouritePrizeInput]


@strawberry.input
class RegisterFavouriteStoreInput:
    customer_id: relay.GlobalID


@strawberry.input
class PlayFavouriteGameInput:
    customer_id: relay.GlobalID
    idempotency_key: str


@strawberry.type
class ConfigureFavouriteGameSuccess:
    game: FavouriteGame


@strawberry.type
class RegisterFavouriteStoreSuccess:
    customer_id: relay.GlobalID
    registered_at: datetime
    newly_registered: bool = strawberry.field(
        description="False: registered before, no new chance."
    )
    chance_available: bool


@strawberry.type
class PlayFavouriteGameSuccess:
    draw: FavouriteDraw


ConfigureFavouriteGameResult = result(
    "ConfigureFavouriteGameResult",
    ConfigureFavouriteGameSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
RegisterFavouriteStoreResult = result(
    "RegisterFavouriteStoreResult", RegisterFavouriteStoreSuccess, errors.NotFound
)
PlayFavouriteGameResult = result(
    "PlayFavouriteGameResult",
    PlayFavouriteGameSuccess,
    favourites.GameNotAvailable,
    favourites.NoGameChance,
    errors.IdempotencyKeyReused,
    errors.InvalidInput,
    errors.NotFound,
)
_customer_store = owner_store_of("input.customer_id", CustomerModel, "Customer")


@strawberry.type
class Mutation:
    @mutation(
        "favourites.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=ConfigureFavouriteGameResult,
    )
    async def configure_favourite_game(
        self, info: Info, input: ConfigureFavouriteGameInput
    ) -> ConfigureFavouriteGameSuccess:
        store_id = decode_id(input.store_id, "Store")
        await favourites.configure_game(
            info.context,
            store_id=store_id,
            active=input.active,
            prizes=[
                favourites.PrizeSpec(
                    kind=prize.kind,
                    odds_bp=prize.odds_basis_points,
                    budget=prize.budget,
                    points=prize.points,
                    reward_id=optional_pk_of(
                        prize.reward_id, "Reward", field=f"prizes.{index}.rewardId"
                    ),
                )
                for index, prize in enumerate(input.prizes)
            ],
        )
        report = await favourites.game_report(store_id)
        assert report is not None
        return ConfigureFavouriteGameSuccess(game=FavouriteGame.from_report(report))

    @mutation(
        "favourites.draw",
        store=_customer_store,
        absent="customer",
        result=RegisterFavouriteStoreResult,
    )
    async def register_favourite_store(
        self, info: Info, input: RegisterFavouriteStoreInput
    ) -> RegisterFavouriteStoreSuccess:
        registration = await favourites.register_favourite(
            info.context, customer_id=decode_id(input.customer_id, "Customer")
        )
        row = registration.row
        return RegisterFavouriteStoreSuccess(
            customer_id=input.customer_id,
            registered_at=row.registered_at,
            newly_registered=registration.newly,
            chance_available=row.chance_used_at is None,
        )

    @mutation(
        "favourites.draw", store=_customer_store, absent="customer", result=PlayFavouriteGameResult
    )
    async def play_favourite_game(
        self, info: Info, input: PlayFavouriteGameInput
    ) -> PlayFavouriteGameSuccess:
        draw = await favourites.play(
            info.context,
            customer_id=decode_id(input.customer_id, "Customer"),
            idempotency_key=input.idempotency_key,
        )
        return PlayFavouriteGameSuccess(draw=FavouriteDraw.from_model(draw))


@strawberry.type
class StoreFavourites(StoreProfile):
    @query("favourites.manage", store=source_store(), description="Null until configured.")
    async def favourite_game(self, info: Info) -> FavouriteGame | None:
        report = await favourites.game_report(self.id)
        return FavouriteGame.from_report(report) if report else None
