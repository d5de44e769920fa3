"""A store's point programme (D1): earn rate, rounding, minimum order, fixed awards, expiry."""

from __future__ import annotations

import calendar
from dataclasses import asdict, dataclass
from datetime import datetime

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput
from models.points import PointProgram, Rounding
from resolvers import audit

MAX_RATE_BP = 10_000
MAX_EXPIRY_MONTHS = 120


@dataclass(frozen=True)
class ProgramChanges:
    earn_rate_bp: int | None = None
    rounding: Rounding | None = None
    minimum_order: int | None = None
    signup_points: int | None = None
    review_points: int | None = None
    referral_points: int | None = None
    expiry_months: int | None = None
    expiry_notice_days: int | None = None
    clear_expiry: bool = False


async def program_of(store_id: int) -> PointProgram:
    """The store's programme; a store that never set one earns with the defaults."""
    found = await PointProgram.get_or_none(store_id=store_id)
    return found or PointProgram(store_id=store_id)


def add_months(moment: datetime, months: int) -> datetime:
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def expiry_from(program: PointProgram, moment: datetime) -> datetime | None:
    return None if program.expiry_months is None else add_months(moment, program.expiry_months)


def points_for(amount: int, rate_bp: int, multiplier_bp: int, rounding: Rounding) -> int:
    numerator, denominator = amount * rate_bp * multiplier_bp, 10_000 * 10_000
    if numerator <= 0:
        return 0
    if rounding == Rounding.CEIL:
        return -(-numerator // denominator)
    if rounding == Rounding.ROUND:
        return (2 * numerator + denominator) // (2 * denominator)
    return numerator // denominator


def _check(changes: ProgramChanges) -> None:
    if changes.earn_rate_bp is not None and not 0 <= changes.earn_rate_bp <= MAX_RATE_BP:
        raise InvalidInput(f"earnRateBp is between 0 and {MAX_RATE_BP}.", field="earn_rate_bp")
    for name in ("minimum_order", "signup_points", "review_points", "referral_points"):
        value = getattr(changes, name)
        if value is not None and value < 0:
            raise InvalidInput(f"{name} cannot be negative.", field=name)
    if changes.expiry_months is not None and not 1 <= changes.expiry_months <= MAX_EXPIRY_MONTHS:
        raise InvalidInput(
            f"expiryMonths is between 1 and {MAX_EXPIRY_MONTHS}.", field="expiry_months"
        )
    if changes.expiry_notice_days is not None and not 0 <= changes.expiry_notice_days <= 365:
        raise InvalidInput("expiryNoticeDays is between 0 and 365.", field="expiry_notice_days")


def _snapshot(program: PointProgram) -> dict[str, object]:
    return {
        "earn_rate_bp": program.earn_rate_bp,
        "rounding": Rounding(program.rounding).value,
        "minimum_order": program.minimum_order,
        "signup_points": program.signup_points,
        "review_points": program.review_points,
        "referral_points": program.referral_points,
        "expiry_months": program.expiry_months,
        "expiry_notice_days": program.expiry_notice_days,
    }


async def update_program(ctx: Context, *, store_id: int, changes: ProgramChanges) -> PointProgram:
    """Owner only (by policy); audited in the same transaction."""
    _check(changes)
    values = {
        name: value
        for name, value in asdict(changes).items()
        if value is not None and name != "clear_expiry"
    }
    if changes.clear_expiry:
        values["expiry_months"] = None
    async with write_transaction():
        await PointProgram.get_or_create(store_id=store_id)
        before = await PointProgram.get(store_id=store_id)
        if values:
            await PointProgram.filter(store_id=store_id).update(**values)
        after = await PointProgram.get(store_id=store_id)
        await audit.record(
            ctx,
            store_id=store_id,
            action="points.program.update",
            target_type="point_program",
            target_id=after.id,
            before=_snapshot(before),
            after=_snapshot(after),
        )
    return after
