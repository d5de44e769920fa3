"""Stores: created by platform admins, kept current by their owners."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.context import Context
from core.database import write_transaction
from core.errors import InvalidInput, NotFound
from models.stores import CampaignGrade, Plan, Store, StoreCategory
from resolvers import audit
from resolvers.staff import Invitation, invite

WEEKDAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
EDITABLE_FIELDS = (
    "name",
    "address",
    "phone",
    "category",
    "commercial_area",
    "time_zone",
    "business_hours",
)


@dataclass(frozen=True)
class BusinessHours:
    day: str
    opens: str
    closes: str


@dataclass(frozen=True)
class CreatedStore:
    store: Store
    owner: Invitation


def _snapshot(store: Store) -> dict[str, Any]:
    return {
        "name": store.name,
        "address": store.address,
        "phone": store.phone,
        "category": store.category.value,
        "commercial_area": store.commercial_area,
        "plan": store.plan.value,
        "campaign_grade": store.campaign_grade.value,
        "time_zone": store.time_zone,
        "business_hours": store.business_hours,
    }


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(values)
    for name in ("name", "commercial_area"):
        if name in cleaned:
            cleaned[name] = cleaned[name].strip()
            if not cleaned[name]:
                raise InvalidInput(f"{name} cannot be empty.", field=name)
            if len(cleaned[name]) > 100:
                raise InvalidInput(f"{name} is longer than 100 characters.", field=name)
    if "time_zone" in cleaned:
        try:
            ZoneInfo(cleaned["time_zone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise InvalidInput("Unknown time zone.", field="time_zone") from exc
    if "business_hours" in cleaned:
        cleaned["business_hours"] = [_hours(entry) for entry in cleaned["business_hours"]]
    return cleaned


def _hours(entry: BusinessHours) -> dict[str, str]:
    if entry.day not in WEEKDAYS:
        raise InvalidInput(f"day must be one of {', '.join(WEEKDAYS)}.", field="business_hours")
    for moment in (entry.opens, entry.closes):
        hour, _, minute = moment.partition(":")
        if not (hour.isdigit() and minute.isdigit() and int(hour) < 24 and int(minute) < 60):
            raise InvalidInput("Times are written HH:MM.", field="business_hours")
    return {"day": entry.day, "opens": entry.opens, "closes": entry.closes}


async def create_store(
    ctx: Context,
    *,
    name: str,
    category: StoreCategory,
    commercial_area: str,
    owner_email: str,
    owner_name: str,
    address: str = "",
    phone: str = "",
    plan: Plan = Plan.BASIC,
    campaign_grade: CampaignGrade = CampaignGrade.BRONZE,
    time_zone: str = "Asia/Seoul",
    business_hours: list[BusinessHours] | None = None,
) -> CreatedStore:
    values = _validate(
        {
            "name": name,
            "category": category,
            "commercial_area": commercial_area,
            "address": address,
            "phone": phone,
            "plan": plan,
            "campaign_grade": campaign_grade,
            "time_zone": time_zone,
            "business_hours": business_hours or [],
        }
    )
    async with write_transaction():
        store = await Store.create(**values)
        owner = await invite(
            ctx, store=store, email=owner_email, name=owner_name, role="owner", audited=False
        )
        await audit.record(
            ctx,
            store_id=store.id,
            action="store.create",
            target_type="store",
            target_id=store.id,
            after=_snapshot(store),
        )
    await ctx.services.policy.sync()
    return CreatedStore(store=store, owner=owner)


async def update_store(ctx: Context, *, store_id: int, changes: dict[str, Any]) -> Store:
    values = _validate({k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
    async with write_transaction():
        store = await Store.get_or_none(id=store_id)
        if store is None:
            raise NotFound("No such store.", field="store_id")
        before = _snapshot(store)
        if values:
            store.update_from_dict(values)
            await store.save(update_fields=list(values))
            await audit.record(
                ctx,
                store_id=store.id,
                action="store.update",
                target_type="store",
                target_id=store.id,
                before={k: before[k] for k in values},
                after={k: _snapshot(store)[k] for k in values},
            )
    ctx.services.stores.forget(store_id)
    return store


async def _change(
    ctx: Context, *, store_id: int, field: str, value: Plan | CampaignGrade, action: str
) -> Store:
    async with write_transaction():
        store = await Store.get_or_none(id=store_id)
        if store is None:
            raise NotFound("No such store.", field="store_id")
        before = getattr(store, field)
        if before != value:
            await Store.filter(id=store_id).update(**{field: value})
            await audit.record(
                ctx,
                store_id=store_id,
                action=action,
                target_type="store",
                target_id=store_id,
                before={field: before.value},
                after={field: value.value},
            )
    ctx.services.stores.forget(store_id)
    return await Store.get(id=store_id)


async def change_plan(ctx: Context, *, store_id: int, plan: Plan) -> Store:
    """Admins only. Every process reads a store's plan per request, so the next request obeys it."""
    return await _change(
        ctx, store_id=store_id, field="plan", value=plan, action="store.change_plan"
    )


async def change_campaign_grade(ctx: Context, *, store_id: int, grade: CampaignGrade) -> Store:
    """Admins only: the grade set here counts where it is above the one the store's plan gives."""
    return await _change(
        ctx,
        store_id=store_id,
        field="campaign_grade",
        value=grade,
        action="store.change_campaign_grade",
    )


async def stores_page(*, size: int, after_id: int | None) -> list[Store]:
    """Every store of the platform, oldest first; one more than ``size``."""
    query = Store.all()
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)
