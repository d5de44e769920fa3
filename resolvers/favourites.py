"""The favourite-store game (E4).

A customer who registers the store as a favourite gets one chance at the game. The
owner sets its prizes (points, or a reward of the catalogue), each with its odds (in
basis points of a draw; what is left over wins nothing) and a budget (how many times
it may be won). A draw rolls ``secrets.randbelow(10000)``, lands on a prize by its
odds, and wins it only if its budget has room: ``won`` grows by a conditional UPDATE,
so racing plays at the last prize cannot both win it. Every draw is logged with its
roll and outcome; points go through the ledger in the draw's transaction.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import InvalidInput, NotFound, UserError
from models.customers import Customer
from models.favourites import (
    DrawOutcome,
    FavouriteDraw,
    FavouriteGame,
    FavouritePrize,
    FavouriteRegistration,
    PrizeKind,
)
from models.points import PointKind, PointSource
from models.rewards import Redemption, RedemptionStatus, Reward
from models.stores import Store
from models.tiers import TierChangeReason
from resolvers import audit, idempotency
from resolvers.points import ledger
from resolvers.points.program import expiry_from, program_of
from resolvers.tiers import standing

ODDS_SCALE = 10_000
MAX_PRIZES = 10
MAX_BUDGET = 1_000_000
MAX_POINTS = 1_000_000


class GameNotAvailable(UserError):
    """The store has no game, or it is switched off."""

    code = "GAME_NOT_AVAILABLE"


class NoGameChance(UserError):
    """The customer has not registered the store as a favourite, or has played already."""

    code = "NO_GAME_CHANCE"
    used_at: datetime | None


@dataclass(frozen=True)
class PrizeSpec:
    kind: PrizeKind
    odds_bp: int
    budget: int
    points: int | None = None
    reward_id: int | None = None


async def _check_prizes(store_id: int, prizes: list[PrizeSpec]) -> None:
    if len(prizes) > MAX_PRIZES:
        raise InvalidInput(f"A game has at most {MAX_PRIZES} prizes.", field="prizes")
    for index, prize in enumerate(prizes):
        field = f"prizes.{index}"
        if not 1 <= prize.odds_bp <= ODDS_SCALE:
            raise InvalidInput(
                "Odds are 1 to 10000 basis points.", field=f"{field}.odds_basis_points"
            )
        if not 1 <= prize.budget <= MAX_BUDGET:
            raise InvalidInput(f"A budget is 1 to {MAX_BUDGET} wins.", field=f"{field}.budget")
        if prize.kind == PrizeKind.POINTS:
            if prize.reward_id is not None or not 1 <= (prize.points or 0) <= MAX_POINTS:
                raise InvalidInput(
                    f"A points prize gives 1 to {MAX_POINTS} points and no reward.",
                    field=f"{field}.points",
                )
        elif prize.points is not None or prize.reward_id is None:
            raise InvalidInput("A reward prize names a reward and no points.", field=field)
        elif not await Reward.exists(id=prize.reward_id, store_id=store_id, is_active=True):
            raise NotFound("No such active reward in this store.", field=f"{field}.reward_id")
    if sum(prize.odds_bp for prize in prizes) > ODDS_SCALE:
        raise InvalidInput("The odds add up to more than 10000 basis points.", field="prizes")


async def configure_game(
    ctx: Context, *, store_id: int, active: bool, prizes: list[PrizeSpec]
) -> FavouriteGame:
    """Replace the prizes (a new revision: past draws keep theirs); switch the game on or off."""
    await _check_prizes(store_id, prizes)
    if active and not prizes:
        raise InvalidInput("A game that is on needs at least one prize.", field="prizes")
    async with write_transaction():
        await lock_rows(Store, id=store_id)
        game = await FavouriteGame.get_or_none(store_id=store_id)
        if game is None:
            game = await FavouriteGame.create(store_id=store_id, is_active=active, revision=1)
        else:
            await FavouriteGame.filter(id=game.id).update(
                is_active=active, revision=F("revision") + 1, updated_at=datetime.now(UTC)
            )
            await game.refresh_from_db()
        await FavouritePrize.bulk_create(
            [
                FavouritePrize(
                    store_id=store_id,
                    revision=game.revision,
                    position=position,
                    kind=prize.kind,
                    points=prize.points,
                    reward_id=prize.reward_id,
                    odds_bp=prize.odds_bp,
                    budget=prize.budget,
                )
                for position, prize in enumerate(prizes)
            ]
        )
        await audit.record(
            ctx,
            store_id=store_id,
            action="favourites.manage",
            target_type="favourite_game",
            target_id=game.id,
            after={
                "active": active,
                "revision": game.revision,
                "prizes": [
                    {
                        "kind": p.kind.value,
                        "points": p.points,
                        "reward_id": p.reward_id,
                        "odds_bp": p.odds_bp,
                        "budget": p.budget,
                    }
                    for p in prizes
                ],
            },
        )
    return game


@dataclass(frozen=True)
class Registration:
    row: FavouriteRegistration
    newly: bool


async def register_favourite(ctx: Context, *, customer_id: int) -> Registration:
    """The customer's registration; the first one gives the one game chance, again gives none."""
    found = await Customer.filter(id=customer_id).values("store_id")
    if not found:
        raise NotFound("No such customer.", field="customer_id")
    principal = await ctx.principal()
    existing = await FavouriteRegistration.get_or_none(customer_id=customer_id)
    if existing is not None:
        return Registration(existing, newly=False)
    try:
        async with write_transaction():
            row = await FavouriteRegistration.create(
                store_id=int(found[0]["store_id"]),
                customer_id=customer_id,
                registered_by_id=principal.account_id,
            )
    except IntegrityError:
        return Registration(await FavouriteRegistration.get(customer_id=customer_id), False)
    return Registration(row, newly=True)


def land(roll: int, prizes: list[FavouritePrize]) -> FavouritePrize | None:
    """The prize whose slice of [0, 10000) holds ``roll``, slices in prize order."""
    edge = 0
    for prize in prizes:
        edge += prize.odds_bp
        if roll < edge:
            return prize
    return None


async def _draw(ctx: Context, customer_id: int, store_id: int) -> FavouriteDraw:
    now = datetime.now(UTC)
    game = await FavouriteGame.get_or_none(store_id=store_id)
    if game is None or not game.is_active:
        raise GameNotAvailable("This store has no game running.", field="customer_id")
    used = await FavouriteRegistration.filter(customer_id=customer_id, chance_used_at=None).update(
        chance_used_at=now
    )
    if not used:
        registration = await FavouriteRegistration.get_or_none(customer_id=customer_id)
        raise NoGameChance(
            "The customer has no game chance: register the store as a favourite first."
            if registration is None
            else "The customer has played their chance.",
            field="customer_id",
            used_at=registration.chance_used_at if registration else None,
        )
    registration = await FavouriteRegistration.get(customer_id=customer_id)
    prizes = await FavouritePrize.filter(store_id=store_id, revision=game.revision).order_by(
        "position"
    )
    roll = secrets.randbelow(ODDS_SCALE)
    prize = land(roll, prizes)
    outcome = DrawOutcome.NO_PRIZE
    if prize is not None:
        won = await FavouritePrize.filter(id=prize.id, won__lt=F("budget")).update(won=F("won") + 1)
        outcome = DrawOutcome.WON if won else DrawOutcome.PRIZE_EXHAUSTED
    draw = await FavouriteDraw.create(
        store_id=store_id,
        registration_id=registration.id,
        customer_id=customer_id,
        revision=game.revision,
        roll=roll,
        prize_id=prize.id if prize else None,
        outcome=outcome,
    )
    if outcome == DrawOutcome.WON and prize is not None:
        await _award(ctx, draw, prize, now)
    return draw


async def _award(ctx: Context, draw: FavouriteDraw, prize: FavouritePrize, now: datetime) -> None:
    if prize.kind == PrizeKind.POINTS and prize.points:
        program = await program_of(draw.store_id)
        await ledger.credit(
            draw.store_id,
            draw.customer_id,
            prize.points,
            kind=PointKind.EARN,
            source=PointSource.EVENT,
            reference=ledger.Reference(type="favourite_draw", id=draw.id),
            expires_at=expiry_from(program, now),
        )
        await FavouriteDraw.filter(id=draw.id).update(points_awarded=prize.points)
        draw.points_awarded = prize.points
        await standing.reevaluate(
            store_id=draw.store_id,
            customer_id=draw.customer_id,
            at=now,
            reason=TierChangeReason.UPGRADE_ON_POINTS,
        )
    elif prize.kind == PrizeKind.REWARD and prize.reward_id is not None:
        redemption = await Redemption.create(
            store_id=draw.store_id,
            customer_id=draw.customer_id,
            reward_id=prize.reward_id,
            status=RedemptionStatus.APPROVED,
            requested_by_id=(await ctx.principal()).account_id,
            decided_at=now,
        )
        await FavouriteDraw.filter(id=draw.id).update(redemption_id=redemption.id)
        draw.redemption_id = redemption.id


async def play(ctx: Context, *, customer_id: int, idempotency_key: str) -> FavouriteDraw:
    """The customer's one draw; the same key again answers the same draw."""
    found = await Customer.filter(id=customer_id).values("store_id")
    if not found:
        raise NotFound("No such customer.", field="customer_id")
    store_id = int(found[0]["store_id"])

    async def execute() -> dict[str, Any]:
        draw = await _draw(ctx, customer_id, store_id)
        return {"draw_id": draw.id}

    done = await idempotency.run_once(
        store_id=store_id,
        operation="playFavouriteGame",
        key=idempotency_key,
        request={"customer_id": customer_id},
        execute=execute,
    )
    return await FavouriteDraw.get(id=int(done["draw_id"]))


@dataclass(frozen=True)
class PrizeReport:
    prize: FavouritePrize
    landed: int

    @property
    def remaining(self) -> int:
        return max(self.prize.budget - self.prize.won, 0)


@dataclass(frozen=True)
class GameReport:
    game: FavouriteGame
    plays: int
    prizes: list[PrizeReport]
    registrations: int


async def game_report(store_id: int) -> GameReport | None:
    """The game as it stands: its prizes with budgets, wins, and draws against the odds."""
    game = await FavouriteGame.get_or_none(store_id=store_id)
    if game is None:
        return None
    prizes = await FavouritePrize.filter(store_id=store_id, revision=game.revision).order_by(
        "position"
    )
    landed_rows = (
        await FavouriteDraw.filter(store_id=store_id, revision=game.revision)
        .annotate(count=Count("id"))
        .group_by("prize_id")
        .values_list("prize_id", "count")
    )
    landed = {prize_id: int(count) for prize_id, count in landed_rows}
    return GameReport(
        game=game,
        plays=sum(landed.values()),
        prizes=[PrizeReport(prize, landed.get(prize.id, 0)) for prize in prizes],
        registrations=await FavouriteRegistration.filter(store_id=store_id).count(),
    )


async def draw_of_customer(customer_id: int) -> FavouriteDraw | None:
    return await FavouriteDraw.get_or_none(customer_id=customer_id)
