"""Demo data of issue 13 for `make run`: a webhook endpoint, today's tasks and training
material, and a favourite-store game with some plays, in the first demo store."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from core.context import Context
from core.services import Services
from core.settings import Settings
from models.accounts import Account
from models.customers import Customer
from models.favourites import FavouriteGame, PrizeKind
from models.rewards import Reward
from models.stores import Membership, Store
from models.tasks import Shift
from models.webhooks import EventType
from policies.enforcement import Principal
from resolvers import favourites, tasks, webhooks

DEMO_WEBHOOK_URL = "https://hooks.example.com/dangol"
DEMO_PLAYERS = 40
DEMO_PLAYS = 30
GUIDE = "에스프레소 추출 가이드\n1. 원두 18g\n2. 추출 25-30초\n3. 크레마 확인\n"


async def seed_realtime_demo(settings: Settings, store_name: str) -> bool:
    """Once per store (skipped when the store already has a game). Returns whether it ran."""
    store = await Store.get_or_none(name=store_name)
    if store is None or await FavouriteGame.exists(store_id=store.id):
        return False
    owner = await Account.get(email="owner1@dangol.test")
    staff = await Membership.get(store_id=store.id, account__email="staff1@dangol.test")
    ctx = Context.for_principal(Services.create(settings), Principal(account_id=owner.id))
    await webhooks.create_endpoint(
        ctx,
        store_id=store.id,
        url=DEMO_WEBHOOK_URL,
        events=[EventType.ORDER_CREATED, EventType.ORDER_STATUS_CHANGED, EventType.POINTS_CHANGED],
        description="POS 파트너 연동 (데모: 이 주소는 답하지 않습니다)",
    )
    today = datetime.now(UTC).astimezone(ZoneInfo(store.time_zone)).date()
    for title, shift, assignee in (
        ("오픈 준비: 머신 예열, 원두 채우기", Shift.MORNING, staff.id),
        ("점심 피크: 계산대 지원", Shift.LUNCH, staff.id),
        ("우유 재고 확인", Shift.AFTERNOON, None),
        ("마감 청소와 정산", Shift.EVENING, staff.id),
    ):
        await tasks.create_task(
            ctx,
            store_id=store.id,
            title=title,
            day=today,
            shift=shift,
            assignee_membership_id=assignee,
        )
    await tasks.create_material(
        ctx,
        store_id=store.id,
        title="라떼 아트 기초 영상",
        url="https://www.youtube.com/results?search_query=latte+art+basics",
    )
    await tasks.create_material(
        ctx,
        store_id=store.id,
        title="에스프레소 추출 가이드",
        upload=tasks.Upload(
            filename="espresso-guide.txt",
            content_type="text/plain",
            content_base64=base64.b64encode(GUIDE.encode()).decode(),
        ),
    )
    reward = await Reward.create(store_id=store.id, name="아메리카노 1잔 무료", cost_points=3000)
    await favourites.configure_game(
        ctx,
        store_id=store.id,
        active=True,
        prizes=[
            favourites.PrizeSpec(PrizeKind.POINTS, odds_bp=2000, budget=500, points=100),
            favourites.PrizeSpec(PrizeKind.POINTS, odds_bp=200, budget=20, points=1000),
            favourites.PrizeSpec(PrizeKind.REWARD, odds_bp=100, budget=10, reward_id=reward.id),
        ],
    )
    players = await Customer.filter(store_id=store.id).order_by("id").limit(DEMO_PLAYERS)
    for number, player in enumerate(players):
        await favourites.register_favourite(ctx, customer_id=player.id)
        if number < DEMO_PLAYS:
            await favourites.play(ctx, customer_id=player.id, idempotency_key=f"demo-{player.id}")
    return True
