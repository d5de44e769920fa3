"""Points and rewards in the KPIs: the same before and after the ledger job rolls a day up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from models.coupons import Coupon, CouponKind, CouponTemplate, CouponTrigger
from models.points import PointEntry, PointKind, PointSource
from models.rewards import Redemption, RedemptionStatus, Reward
from resolvers.analytics import figures, rollups
from resolvers.analytics.reading import ledger_rolled_through
from tests.analytics.helpers import new_customer
from tests.client import Api

STORE = 1
SEOUL = ZoneInfo("Asia/Seoul")


async def _entry(customer: int, kind: PointKind, amount: int, at: datetime) -> None:
    await PointEntry.create(
        store_id=STORE,
        customer_id=customer,
        kind=kind,
        source=PointSource.PURCHASE,
        amount=amount,
        balance_after=0,
        created_at=at,
    )


async def test_points_and_rewards_of_a_day_before_and_after_the_job(api: Api) -> None:
    # given: yesterday (Seoul) 300 earned, 50 added by hand, 20 taken by hand, 120 spent and
    # 20 of it given back; two coupons issued, one used; one reward applied
    # the job runs at noon (Seoul), well past the grace it leaves after midnight
    today = datetime.now(SEOUL).date()
    now = datetime.combine(today, datetime.min.time().replace(hour=12), SEOUL).astimezone(UTC)
    yesterday = today - timedelta(days=1)
    noon = datetime.combine(yesterday, datetime.min.time().replace(hour=12), SEOUL).astimezone(UTC)
    customer = await new_customer(STORE)
    for kind, amount in (
        (PointKind.EARN, 300),
        (PointKind.ADJUST, 50),
        (PointKind.ADJUST, -20),
        (PointKind.REDEEM, -120),
        (PointKind.REDEEM_RETURN, 20),
    ):
        await _entry(customer, kind, amount, noon)
    template = await CouponTemplate.create(
        store_id=STORE, name="1,000원", kind=CouponKind.FIXED, value=1000
    )
    for used in (noon, None):
        coupon = await Coupon.create(
            store_id=STORE,
            template_id=template.id,
            customer_id=customer,
            issued_reason=CouponTrigger.MANUAL,
            expires_at=noon + timedelta(days=30),
            used_at=used,
        )
        await Coupon.filter(id=coupon.id).update(issued_at=noon)
    reward = await Reward.create(store_id=STORE, name="아메리카노", cost_points=100)
    redemption = await Redemption.create(
        store_id=STORE,
        customer_id=customer,
        reward_id=reward.id,
        status=RedemptionStatus.APPLIED,
        points_spent=100,
    )
    await Redemption.filter(id=redemption.id).update(created_at=noon)
    # when: before the job (the ledger is read), then after it (the day row is)
    before = await figures.kpis_of(STORE, yesterday, yesterday)
    await rollups.roll_ledger(now)
    after = await figures.kpis_of(STORE, yesterday, yesterday)
    # then
    for found in (before, after):
        assert found.current["points_issued"] == 350
        assert found.current["points_used"] == 100
        assert found.current["rewards_issued"] == 2
        assert found.current["rewards_used"] == 2
        assert found.previous["points_issued"] == 0
    assert await ledger_rolled_through(STORE) == yesterday
