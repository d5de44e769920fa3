"""The rollups the order flow keeps equal, to the unit, what the raw rows say."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from app.generator import Spec, generate
from core.settings import Settings
from models.analytics import AnalyticsDay, AnalyticsProgress
from models.orders import Order, OrderStatus
from models.tiers import Tier
from resolvers.analytics import rollups
from resolvers.orders import advance_order, cancel_order, refund_order
from resolvers.orders.visits import record_visit
from tests.analytics.helpers import (
    context,
    live_order,
    new_customer,
    normalised,
    owner_id,
    products,
    stored,
)
from tests.client import Api

STORE = 1


async def test_kept_rollups_equal_a_recomputation_after_completions_refunds_and_cancellations(
    api: Api, app: Any, settings: Settings
) -> None:
    # given: two months of generated history (ending an hour ago: the generator may complete
    # an order up to 20 minutes after its "now"), rebuilt from its rows, and a tier to climb
    now = datetime.now(UTC) - timedelta(hours=1)
    await generate(
        settings, Spec(store_id=STORE, customers=40, orders=400, seed=5, days=60, now=now)
    )
    await Tier.create(store_id=STORE, name="Silver", rank=1, min_visits=2)
    ctx = context(app, await owner_id())
    (coffee, bread) = await products(STORE, 4500, 3500)
    history = await Order.filter(store_id=STORE, status=OrderStatus.COMPLETED).order_by("id")
    firsts = [o for o in history if o.is_first_visit]
    seconds = [o for o in history if not o.is_first_visit and o.customer_id is not None]
    assert len(firsts) >= 4 and len(seconds) >= 4
    # when: orders completed now, refunds of old and new orders, cancellations
    newcomer = await new_customer(STORE)
    first_now = await live_order(ctx, STORE, newcomer, [(coffee, 1), (bread, 2)])
    await live_order(ctx, STORE, newcomer, [(coffee, 1)])
    await live_order(ctx, STORE, newcomer, [(bread, 1)])
    regular = history[-1].customer_id
    kept = await live_order(ctx, STORE, regular, [(coffee, 2)])
    await live_order(ctx, STORE, None, [(bread, 3)])
    await refund_order(ctx, order_id=kept, amount=1000)
    await refund_order(ctx, order_id=first_now)
    for order in (firsts[0], firsts[1], seconds[0], seconds[1]):
        await refund_order(ctx, order_id=order.id)
    await refund_order(ctx, order_id=seconds[2].id, amount=500)
    await refund_order(ctx, order_id=seconds[2].id, amount=seconds[2].total - 500)
    for _ in range(2):
        await cancel_order(
            ctx, order_id=await live_order(ctx, STORE, newcomer, [(coffee, 1)], complete=False)
        )
    # then
    kept_rows = await stored(STORE)
    recomputed = normalised(await rollups.recompute(STORE))
    assert kept_rows == recomputed, {
        key: (kept_rows.get(key), recomputed.get(key))
        for key in set(kept_rows) | set(recomputed)
        if kept_rows.get(key) != recomputed.get(key)
    }
    today_rows = {k: v for k, v in kept_rows.items() if k[0] == "day" and k[2] == "cancelled"}
    assert sum(today_rows.values()) >= 2
    assert any(k[0] == "slice" and k[1] == "TIER" and k[3] != 0 for k in kept_rows)


async def test_the_ledger_job_rolls_up_closed_days_only(api: Api, settings: Settings) -> None:
    # given
    now = datetime(2026, 11, 25, 3, tzinfo=UTC)  # 12:00 in Seoul
    await generate(
        settings, Spec(store_id=STORE, customers=20, orders=120, seed=3, days=20, now=now)
    )
    # when
    rolled_again = await rollups.roll_ledger_of(STORE, now + timedelta(hours=1))
    # then: yesterday (Seoul) is the last day rolled; the entries of today wait
    assert rolled_again == 0
    progress = await AnalyticsProgress.get(store_id=STORE)
    assert progress.ledger_day is not None
    assert progress.ledger_day.isoformat() == "2026-11-24"
    assert not await AnalyticsDay.filter(
        store_id=STORE, day__gt=progress.ledger_day, points_issued__gt=0
    ).exists()


async def test_racing_completions_keep_the_rollups_exact(api: Api, app: Any) -> None:
    # given: eight orders ready at once, four of them for one new customer
    owner = await owner_id()
    ctx = context(app, owner)
    (coffee, bread) = await products(STORE, 4500, 3500)
    newcomer = await new_customer(STORE)
    others = [await new_customer(STORE) for _ in range(4)]
    ready = []
    for who in [newcomer] * 4 + others:
        order = await live_order(ctx, STORE, who, [(coffee, 1), (bread, 1)], complete=False)
        for to in (OrderStatus.CONFIRMED, OrderStatus.PREPARING, OrderStatus.READY):
            await advance_order(ctx, order_id=order, to=to)
        ready.append(order)
    # when: all completed at the same moment, each request with its own context
    await asyncio.gather(
        *(
            advance_order(context(app, owner), order_id=order, to=OrderStatus.COMPLETED)
            for order in ready
        )
    )
    # then
    assert await stored(STORE) == normalised(await rollups.recompute(STORE))
    day = await AnalyticsDay.get(store_id=STORE)
    assert (day.orders, day.visits, day.first_visits, day.day_visitors, day.day_revisitors) == (
        8,
        8,
        5,
        5,
        1,
    )
    assert day.converted == 1


async def test_a_customer_given_to_a_completed_order_later_is_counted(api: Api, app: Any) -> None:
    # given: an order completed without a customer
    ctx = context(app, await owner_id())
    (coffee,) = await products(STORE, 4500)
    order = await live_order(ctx, STORE, None, [(coffee, 2)])
    newcomer = await new_customer(STORE)
    # when: the phone typed after paying (K2) records the visit, then the hook runs
    await Order.filter(id=order).update(customer_id=newcomer)
    completed_at = (await Order.get(id=order)).completed_at
    assert completed_at is not None
    await record_visit(order, completed_at)
    await rollups.customer_attached(order)
    # then
    assert await stored(STORE) == normalised(await rollups.recompute(STORE))
    day = await AnalyticsDay.get(store_id=STORE)
    assert (day.visits, day.first_visits, day.day_visitors) == (1, 1, 1)
