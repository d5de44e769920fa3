"""The cup-holder campaign (G1): admins create campaigns, stores join and record their usage.

A store pays the campaign's unit price less the discount of its campaign grade; a
Platinum store also earns the campaign's incentive per unit used. The grade is the
higher of the one its plan gives and the one an admin set.

Rounding (one rule for every amount): the discounted unit cost is rounded half up to
whole won, once per unit, and every amount is ``units x`` that integer. Amounts are
therefore linear in units, so totals, corrections and statements agree to the won.
Usage is append-only: a correction is a new entry (negative units) priced as the
entry it corrects, so it cancels exactly what that entry charged and earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.functions import Sum

from core.context import Context
from core.database import lock_rows, write_transaction
from core.errors import InvalidInput, NotFound, UserError
from models.campaigns import CampaignEnrollment, CupHolderCampaign, CupHolderUsage
from models.stores import CampaignGrade, Plan, Store
from resolvers import audit
from resolvers.idempotency import run_once

DISCOUNT_PERCENT: dict[CampaignGrade, int] = {
    CampaignGrade.BRONZE: 50,
    CampaignGrade.SILVER: 70,
    CampaignGrade.GOLD: 90,
    CampaignGrade.PLATINUM: 100,
}
PLAN_GRADE: dict[Plan, CampaignGrade] = {
    Plan.BASIC: CampaignGrade.BRONZE,
    Plan.PLUS: CampaignGrade.SILVER,
    Plan.PREMIUM: CampaignGrade.GOLD,
}
INCENTIVE_GRADES = frozenset({CampaignGrade.PLATINUM})
MAX_UNITS = 1_000_000
MAX_PRICE = 10_000_000
GRADES = list(CampaignGrade)


class CampaignClosed(UserError):
    code = "CAMPAIGN_CLOSED"
    ends_on: date | None


class NotEnrolled(UserError):
    code = "NOT_ENROLLED"


def effective_grade(plan: Plan, grade: CampaignGrade) -> CampaignGrade:
    """The higher of the grade the plan gives and the grade an admin set."""
    return max(PLAN_GRADE[plan], grade, key=GRADES.index)


def unit_cost(unit_price: int, grade: CampaignGrade) -> int:
    """What a store of ``grade`` pays per unit: the discounted price, rounded half up to won."""
    paid_percent = 100 - DISCOUNT_PERCENT[grade]
    return (unit_price * paid_percent * 2 + 100) // 200


def incentive(campaign: CupHolderCampaign, grade: CampaignGrade) -> int:
    return campaign.incentive_per_unit if grade in INCENTIVE_GRADES else 0


def local_today(store: Store, now: datetime) -> date:
    return now.astimezone(ZoneInfo(store.time_zone)).date()


@dataclass(frozen=True)
class CampaignInput:
    name: str
    supply_item: str
    unit_price: int
    starts_on: date
    ends_on: date
    unit: str = "개"
    incentive_per_unit: int = 0


def _text(value: str, field: str, limit: int) -> str:
    cleaned = value.strip()
    if not cleaned or len(cleaned) > limit:
        raise InvalidInput(f"{field} needs 1 to {limit} characters.", field=field)
    return cleaned


async def create_campaign(ctx: Context, campaign: CampaignInput) -> CupHolderCampaign:
    values: dict[str, Any] = {
        "name": _text(campaign.name, "name", 100),
        "supply_item": _text(campaign.supply_item, "supply_item", 100),
        "unit": _text(campaign.unit, "unit", 20),
    }
    if not 0 <= campaign.unit_price <= MAX_PRICE:
        raise InvalidInput(f"unit_price is 0 to {MAX_PRICE} won.", field="unit_price")
    if not 0 <= campaign.incentive_per_unit <= MAX_PRICE:
        raise InvalidInput(
            f"incentive_per_unit is 0 to {MAX_PRICE} won.", field="incentive_per_unit"
        )
    if campaign.ends_on < campaign.starts_on:
        raise InvalidInput("A campaign ends on or after the day it starts.", field="ends_on")
    async with write_transaction():
        created = await CupHolderCampaign.create(
            **values,
            unit_price=campaign.unit_price,
            incentive_per_unit=campaign.incentive_per_unit,
            starts_on=campaign.starts_on,
            ends_on=campaign.ends_on,
        )
        await audit.record(
            ctx,
            action="cupholder.manage",
            target_type="cup_holder_campaign",
            target_id=created.id,
            after={
                **values,
                "unit_price": campaign.unit_price,
                "incentive_per_unit": campaign.incentive_per_unit,
                "starts_on": campaign.starts_on.isoformat(),
                "ends_on": campaign.ends_on.isoformat(),
            },
        )
    return created


async def _store(store_id: int) -> Store:
    store = await Store.get_or_none(id=store_id)
    if store is None:
        raise NotFound("No such store.", field="store_id")
    return store


async def open_campaigns(
    store_id: int, now: datetime | None = None
) -> list[tuple[CupHolderCampaign, bool]]:
    """Campaigns not yet over in the store's time zone, with whether the store joined each."""
    store = await _store(store_id)
    today = local_today(store, now or datetime.now(UTC))
    campaigns = await CupHolderCampaign.filter(ends_on__gte=today).order_by("starts_on", "id")
    joined = {
        int(row["campaign_id"])
        for row in await CampaignEnrollment.filter(
            store_id=store_id, campaign_id__in=[c.id for c in campaigns]
        ).values("campaign_id")
    }
    return [(campaign, campaign.id in joined) for campaign in campaigns]


async def join_campaign(
    ctx: Context, *, store_id: int, campaign_id: int, now: datetime | None = None
) -> CampaignEnrollment:
    """Joining twice answers the first enrollment."""
    principal = await ctx.principal()
    store = await _store(store_id)
    today = local_today(store, now or datetime.now(UTC))
    try:
        async with write_transaction():
            campaign = await CupHolderCampaign.get_or_none(id=campaign_id)
            if campaign is None:
                raise NotFound("No such campaign.", field="campaign_id")
            found = await CampaignEnrollment.get_or_none(store_id=store_id, campaign_id=campaign_id)
            if found is not None:
                return found
            if campaign.ends_on < today:
                raise CampaignClosed(
                    "This campaign is over.", field="campaign_id", ends_on=campaign.ends_on
                )
            enrollment = await CampaignEnrollment.create(
                store_id=store_id, campaign_id=campaign_id, joined_by_id=principal.account_id
            )
            await audit.record(
                ctx,
                store_id=store_id,
                action="cupholder.join",
                target_type="cup_holder_campaign",
                target_id=campaign_id,
            )
            return enrollment
    except IntegrityError:
        return await CampaignEnrollment.get(store_id=store_id, campaign_id=campaign_id)


@dataclass(frozen=True)
class UsageInput:
    store_id: int
    campaign_id: int
    units: int
    idempotency_key: str
    note: str = ""
    corrects_usage_id: int | None = None


async def record_usage(
    ctx: Context, usage: UsageInput, *, now: datetime | None = None
) -> CupHolderUsage:
    """Append a usage entry at the store's grade now; a correction is priced as what it corrects."""
    principal = await ctx.principal()
    at = now or datetime.now(UTC)
    note = usage.note.strip()
    if len(note) > 200:
        raise InvalidInput("A note has at most 200 characters.", field="note")
    if usage.units == 0 or abs(usage.units) > MAX_UNITS:
        raise InvalidInput(f"units is a non-zero count up to {MAX_UNITS}.", field="units")
    if usage.corrects_usage_id is None and usage.units < 0:
        raise InvalidInput(
            "Usage is a positive count; to take units back, correct the entry.", field="units"
        )

    async def execute() -> dict[str, Any]:
        store = await _store(usage.store_id)
        campaign = await CupHolderCampaign.get_or_none(id=usage.campaign_id)
        if campaign is None:
            raise NotFound("No such campaign.", field="campaign_id")
        if not await CampaignEnrollment.exists(
            store_id=usage.store_id, campaign_id=usage.campaign_id
        ):
            raise NotEnrolled("The store has not joined this campaign.", field="campaign_id")
        if usage.corrects_usage_id is None:
            today = local_today(store, at)
            if not campaign.starts_on <= today <= campaign.ends_on:
                raise CampaignClosed(
                    "Usage is recorded while the campaign runs.",
                    field="campaign_id",
                    ends_on=campaign.ends_on,
                )
            grade = effective_grade(store.plan, store.campaign_grade)
            priced = {
                "grade": grade.value,
                "unit_price": campaign.unit_price,
                "unit_cost": unit_cost(campaign.unit_price, grade),
                "incentive_per_unit": incentive(campaign, grade),
            }
        else:
            priced = await _priced_as_corrected(usage)
        entry = await CupHolderUsage.create(
            store_id=usage.store_id,
            campaign_id=usage.campaign_id,
            units=usage.units,
            cost=usage.units * priced["unit_cost"],
            incentive=usage.units * priced["incentive_per_unit"],
            note=note,
            corrects_id=usage.corrects_usage_id,
            recorded_by_id=principal.account_id,
            recorded_by_api_key_id=principal.api_key_id,
            recorded_at=at,
            **priced,
        )
        return {"usage_id": entry.id}

    result = await run_once(
        store_id=usage.store_id,
        operation="cupholder.record",
        key=usage.idempotency_key,
        request={
            "campaign": usage.campaign_id,
            "units": usage.units,
            "note": note,
            "corrects": usage.corrects_usage_id,
        },
        execute=execute,
    )
    return await CupHolderUsage.get(id=result["usage_id"])


async def _priced_as_corrected(usage: UsageInput) -> dict[str, Any]:
    original_id = usage.corrects_usage_id
    await lock_rows(CupHolderUsage, id=original_id)
    original = await CupHolderUsage.get_or_none(
        id=original_id, store_id=usage.store_id, campaign_id=usage.campaign_id
    )
    if original is None or original.corrects_id is not None:
        raise NotFound(
            "No such usage entry of this campaign to correct.", field="corrects_usage_id"
        )
    corrected = (
        await CupHolderUsage.filter(corrects_id=original.id)
        .annotate(total=Sum("units"))
        .first()
        .values("total")
    )
    remaining = original.units + int((corrected or {}).get("total") or 0)
    if remaining + usage.units < 0:
        raise InvalidInput(
            f"At most {remaining} units of that entry can still be taken back.", field="units"
        )
    return {
        "grade": original.grade,
        "unit_price": original.unit_price,
        "unit_cost": original.unit_cost,
        "incentive_per_unit": original.incentive_per_unit,
    }


@dataclass(frozen=True)
class CampaignTotals:
    campaign_id: int
    units: int
    cost: int
    incentive: int


async def usage_totals(*, store_id: int, start: datetime, end: datetime) -> list[CampaignTotals]:
    """Per campaign, the usage recorded in [start, end): units, cost and incentive (one query)."""
    rows = (
        await CupHolderUsage.filter(store_id=store_id, recorded_at__gte=start, recorded_at__lt=end)
        .annotate(units_sum=Sum("units"), cost_sum=Sum("cost"), incentive_sum=Sum("incentive"))
        .group_by("campaign_id")
        .order_by("campaign_id")
        .values_list("campaign_id", "units_sum", "cost_sum", "incentive_sum")
    )
    return [
        CampaignTotals(int(c), int(u or 0), int(cost or 0), int(i or 0)) for c, u, cost, i in rows
    ]


async def usage_page(
    *, store_id: int, start: datetime, end: datetime, size: int, before_id: int | None
) -> list[CupHolderUsage]:
    """Entries recorded in [start, end), newest first; one more than asked."""
    query = CupHolderUsage.filter(store_id=store_id, recorded_at__gte=start, recorded_at__lt=end)
    if before_id is not None:
        query = query.filter(id__lt=before_id)
    return await query.order_by("-id").limit(size + 1)


async def campaigns_by_id(ids: list[int]) -> list[CupHolderCampaign | None]:
    found = {c.id: c for c in await CupHolderCampaign.filter(id__in=ids)}
    return [found.get(i) for i in ids]
