"""Demo data for `make run`: one admin and two stores in one commercial area."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.area import generate_area
from app.generator import Spec, generate
from core.database import write_transaction
from core.security import Passwords
from core.settings import Settings
from models.accounts import Account
from models.stores import Membership, Plan, Store, StoreCategory
from models.tiers import Tier, TierChange
from policies.catalogue import ADMIN
from resolvers.analytics.rollups import rebuild_store
from resolvers.policies import add_role, bump_version
from resolvers.tiers import evaluate_tiers

DEMO_PASSWORD = "dangol-demo"
DEMO_AREA = "성수동"
DEMO_STORES = (
    ("카페 단골 성수점", StoreCategory.CAFE, Plan.PREMIUM, "서울 성동구 연무장길 10"),
    ("성수 베이커리", StoreCategory.RESTAURANT, Plan.PLUS, "서울 성동구 성수이로 22"),
)
DEMO_ROLES = ("owner", "manager", "staff")


def demo_sign_ins() -> list[tuple[str, str]]:
    people = [("admin@dangol.test", "platform admin")]
    for number, (store_name, *_rest) in enumerate(DEMO_STORES, start=1):
        people += [
            (f"{role}{number}@dangol.test", f"{role} of {store_name}") for role in DEMO_ROLES
        ]
    return people


async def seed_demo(passwords: Passwords) -> bool:
    """Create the demo data once. Returns False when the database already has accounts."""
    if await Account.exists():
        return False
    password_hash = passwords.hash(DEMO_PASSWORD)
    async with write_transaction():
        admin = await Account.create(
            email="admin@dangol.test", name="Dangol Admin", password_hash=password_hash
        )
        await add_role(admin.id, ADMIN, None)
        for number, (name, category, plan, address) in enumerate(DEMO_STORES, start=1):
            store = await Store.create(
                name=name,
                category=category,
                plan=plan,
                address=address,
                commercial_area=DEMO_AREA,
                phone=f"02-555-000{number}",
                business_hours=[
                    {"day": day, "opens": "08:00", "closes": "22:00"}
                    for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
                ],
            )
            for role in DEMO_ROLES:
                account = await Account.create(
                    email=f"{role}{number}@dangol.test",
                    name=f"{role.title()} {number}",
                    password_hash=password_hash,
                )
                await Membership.create(store=store, account=account)
                await add_role(account.id, role, store.id)
        await bump_version()
    return True


DEMO_HISTORY_CUSTOMERS = 200
DEMO_HISTORY_ORDERS = 2_000
# Neighbours with daily rollups only, so that the area benchmark (at least 5 stores) answers.
DEMO_AREA_STORES = 8
DEMO_AREA_DAYS = 120


async def seed_demo_history(settings: Settings) -> int:
    """A small generated history (customers, catalogue, orders) for each demo store without customers."""
    from models.customers import Customer

    generated = 0
    for number, (name, *_rest) in enumerate(DEMO_STORES, start=1):
        store = await Store.get_or_none(name=name)
        if store is None or await Customer.exists(store_id=store.id):
            continue
        spec = Spec(
            store_id=store.id,
            customers=DEMO_HISTORY_CUSTOMERS,
            orders=DEMO_HISTORY_ORDERS,
            seed=number,
        )
        generated += (await generate(settings, spec)).orders
    first = await Store.get_or_none(name=DEMO_STORES[0][0])
    if first is not None and generated:
        generated += await seed_demo_analytics(settings, first.id)
    return generated


async def seed_demo_analytics(settings: Settings, store_id: int) -> int:
    """What the analytics panels need beyond the history: newcomers of the last two months
    (first visits, conversions, bundles), tiers held for half a year (activity by tier), and
    neighbours with daily rollups (the area benchmark needs at least 5 stores)."""
    now = datetime.now(UTC)
    recent = Spec(store_id=store_id, customers=80, orders=240, seed=11, days=60, now=now)
    orders = (await generate(settings, recent)).orders
    since = now - timedelta(days=180)
    await Tier.create(
        store_id=store_id, name="실버", rank=1, min_visits=5, perks=["음료 사이즈 업"]
    )
    await Tier.create(store_id=store_id, name="골드", rank=2, min_visits=15, min_amount=100_000)
    await evaluate_tiers(since)
    await TierChange.filter(store_id=store_id).update(created_at=since)
    await rebuild_store(store_id, now)
    await generate_area(store_id=store_id, stores=DEMO_AREA_STORES, days=DEMO_AREA_DAYS)
    return orders
