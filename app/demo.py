"""Demo data for `make run`: one admin and two stores in one commercial area."""

from __future__ import annotations

from core.database import write_transaction
from core.security import Passwords
from core.settings import Settings
from models.accounts import Account
from models.stores import Membership, Plan, Store, StoreCategory
from policies.catalogue import ADMIN
from resolvers.policies import add_role, bump_version

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


async def seed_demo_history(settings: Settings) -> int:
    """A small generated history (customers, catalogue, orders) for each demo store without customers."""
    from app.demo_realtime import seed_realtime_demo
    from app.generator import Spec, generate
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
    await seed_realtime_demo(settings, DEMO_STORES[0][0])
    return generated
