"""Demo data for `make run`: one admin and two stores in one commercial area."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.area import generate_area
from app.demo_messages import seed_demo_messages
from app.demo_realtime import seed_realtime_demo
from app.generator import Spec, generate
from core.database import write_transaction
from core.security import Passwords
from core.settings import Settings
from models.accounts import Account
from models.campaigns import CampaignEnrollment, CupHolderCampaign, CupHolderUsage
from models.catalogue import Product
from models.customers import Customer
from models.inventory import ProductStockUse, StockItem, StockMovement, StockReason
from models.stores import CampaignGrade, Membership, Plan, Store, StoreCategory
from models.tiers import Tier, TierChange
from policies.catalogue import ADMIN
from resolvers import settlements
from resolvers.analytics.rollups import rebuild_store
from resolvers.campaigns import effective_grade, incentive, unit_cost
from resolvers.roles import add_role, bump_version
from resolvers.tiers.standing import evaluate_tiers

DEMO_PASSWORD = "dangol-demo"
DEMO_AREA = "성수동"
DEMO_STORES = (
    ("카페 단골 성수점", StoreCategory.CAFE, Plan.PREMIUM, "서울 성동구 연무장길 10"),
    ("성수 베이커리", StoreCategory.RESTAURANT, Plan.PLUS, "서울 성동구 성수이로 22"),
)
# Store 1 was raised to Platinum by the platform (it earns incentives); store 2 has its plan's.
DEMO_GRADES = (CampaignGrade.PLATINUM, CampaignGrade.BRONZE)
# name, unit, base quantity, on hand, unit price (won), the campaign's supply
DEMO_STOCK = (
    ("컵홀더", "개", 500, 420, 40, True),
    ("원두", "kg", 20, 5, 28_000, False),
    ("우유", "L", 30, 24, 2_800, False),
    ("테이크아웃 컵", "개", 1_000, 800, 90, False),
)
# product of the generated catalogue -> (stock item, units per product)
DEMO_RECIPES = {
    "아메리카노": (("테이크아웃 컵", 1), ("컵홀더", 1)),
    "카페라떼": (("테이크아웃 컵", 1), ("컵홀더", 1), ("우유", 1)),
}
# units of cup holders used per month, three entries a month, two months back to now
DEMO_USAGE = ((120, 95, 140), (130, 110, 150), (60, 45, 0))
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
    await seed_demo_partner(datetime.now(UTC))
    return True


def _months_back(today: date, months: int) -> date:
    index = today.year * 12 + today.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


async def seed_demo_partner(now: datetime) -> None:
    """The partner programme: a cup-holder campaign both stores joined, their usage of the last
    two months and this one (with a correction), stock items, and two issued statements each."""
    today = now.date()
    async with write_transaction():
        campaign = await CupHolderCampaign.create(
            name="2026 친환경 컵홀더 캠페인",
            supply_item="컵홀더",
            unit="개",
            unit_price=35,
            incentive_per_unit=5,
            starts_on=_months_back(today, 2),
            ends_on=_months_back(today, -12),
        )
        stores = await Store.filter(name__in=[name for name, *_ in DEMO_STORES]).order_by("id")
        for store, grade in zip(stores, DEMO_GRADES, strict=True):
            store.campaign_grade = grade
            await store.save(update_fields=["campaign_grade"])
            await CampaignEnrollment.create(campaign=campaign, store=store)
            await _demo_usage(store, campaign, now)
            await _demo_stock(store, campaign)
    for store in stores:
        for months in (2, 1):
            period = settlements.month_of(_months_back(today, months), store.time_zone)
            await settlements.issue(store, period, now=period.ends_at + timedelta(hours=1))


async def _demo_usage(store: Store, campaign: CupHolderCampaign, now: datetime) -> None:
    grade = effective_grade(store.plan, store.campaign_grade)
    cost, earned = unit_cost(campaign.unit_price, grade), incentive(campaign, grade)
    first: CupHolderUsage | None = None
    for months, units_of_month in zip((2, 1, 0), DEMO_USAGE, strict=True):
        month = settlements.month_of(_months_back(now.date(), months), store.time_zone)
        for day, units in zip((3, 12, 21), units_of_month, strict=True):
            at = min(month.starts_at + timedelta(days=day - 1, hours=10), now)
            if not units:
                continue
            entry = await CupHolderUsage.create(
                campaign=campaign,
                store=store,
                units=units,
                grade=grade.value,
                unit_price=campaign.unit_price,
                unit_cost=cost,
                incentive_per_unit=earned,
                cost=units * cost,
                incentive=units * earned,
                recorded_at=at,
                note="주간 사용량",
            )
            first = first or entry
            if months == 2 and day == 12 and first is not None:
                await CupHolderUsage.create(
                    campaign=campaign,
                    store=store,
                    units=-10,
                    grade=grade.value,
                    unit_price=campaign.unit_price,
                    unit_cost=cost,
                    incentive_per_unit=earned,
                    cost=-10 * cost,
                    incentive=-10 * earned,
                    recorded_at=at,
                    corrects_id=first.id,
                    note="중복 입력 정정",
                )


async def _demo_stock(store: Store, campaign: CupHolderCampaign) -> None:
    for name, unit, base, on_hand, price, supply in DEMO_STOCK:
        item = await StockItem.create(
            store=store,
            name=name,
            unit=unit,
            base_quantity=base,
            quantity=on_hand,
            unit_price=price,
            campaign_id=campaign.id if supply else None,
        )
        await StockMovement.create(
            stock_item=item,
            store=store,
            reason=StockReason.COUNTED,
            delta=on_hand,
            quantity_after=on_hand,
            note="first count",
        )


async def link_demo_recipes(store_id: int) -> None:
    """Have the generated coffees use the demo store's cups, holders and milk."""
    items = {i.name: i.id for i in await StockItem.filter(store_id=store_id)}
    for product in await Product.filter(store_id=store_id, name__in=list(DEMO_RECIPES)):
        for item_name, units in DEMO_RECIPES[product.name]:
            if item_name in items:
                await ProductStockUse.get_or_create(
                    product_id=product.id,
                    stock_item_id=items[item_name],
                    defaults={"store_id": store_id, "quantity": units},
                )


DEMO_HISTORY_CUSTOMERS = 200
DEMO_HISTORY_ORDERS = 2_000
# Neighbours with daily rollups only, so that the area benchmark (at least 5 stores) answers.
DEMO_AREA_STORES = 8
DEMO_AREA_DAYS = 120


async def seed_demo_history(settings: Settings) -> int:
    """A small generated history (customers, catalogue, orders)
    for each demo store without customers."""
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
        await link_demo_recipes(store.id)
    first = await Store.get_or_none(name=DEMO_STORES[0][0])
    if first is not None and generated:
        generated += await seed_demo_analytics(settings, first.id)
    await seed_demo_messages(DEMO_STORES[0][0])
    await seed_realtime_demo(settings, DEMO_STORES[0][0])
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
