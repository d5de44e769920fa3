"""A stateful property test: earn, redeem, transfer, adjust, refund and expire in any order,
with the ledger's invariants checked after every step.

Hypothesis drives the machine in a worker thread; each step runs its coroutine on the
test's event loop (where the database connections live) and waits for it.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from core.context import Context
from core.database import write_transaction
from core.errors import InsufficientPoints
from models.orders import Order, OrderStatus
from models.points import PointEntry, PointKind, PointSource
from models.rewards import Reward
from resolvers import orders, points, rewards
from resolvers.points import ledger
from tests.orders import factories
from tests.points import helpers
from tests.points.invariants import check_ledger

BASE = datetime(2030, 1, 1, tzinfo=UTC)
_keys = itertools.count(1)


class Ledger(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop
    ctx: Context

    def run(self, awaitable: Awaitable[Any]) -> Any:
        async def wait() -> Any:
            return await awaitable

        return asyncio.run_coroutine_threadsafe(wait(), self.loop).result(timeout=120)

    @initialize()
    def setup(self) -> None:
        self.customers = [self.run(helpers.customer()) for _ in range(3)]
        self.balances = dict.fromkeys(self.customers, 0)
        self.owed = dict.fromkeys(self.customers, 0)
        self.orders: list[int] = []
        self.day = 0
        self.rewards = [
            self.run(Reward.create(store_id=1, name=f"r{cost}", cost_points=cost, value=1000)).id
            for cost in (50, 120)
        ]

    def customer(self, index: int) -> int:
        return self.customers[index % len(self.customers)]

    @rule(who=st.integers(0, 2), price=st.integers(0, 40_000))
    def earn(self, who: int, price: int) -> None:
        customer = self.customer(who)
        order = self.run(
            factories.order(
                1, customer_id=customer, status=OrderStatus.COMPLETED, price=price, quantity=1
            )
        )

        async def earn() -> int:
            async with write_transaction():
                return await points.earn_for_order(self.ctx, order_id=order.id, rate_bp=None)

        earned = self.run(earn())
        assert earned == price // 100
        self._earned(customer, earned)
        self.orders.append(order.id)

    @rule(who=st.integers(0, 2), points_=st.integers(1, 300), days=st.integers(1, 10))
    def grant_expiring(self, who: int, points_: int, days: int) -> None:
        customer = self.customer(who)

        async def grant() -> None:
            async with write_transaction():
                await ledger.credit(
                    1,
                    customer,
                    points_,
                    kind=PointKind.EARN,
                    source=PointSource.EVENT,
                    expires_at=BASE + timedelta(days=self.day + days),
                )

        self.run(grant())
        self._earned(customer, points_)

    def _earned(self, customer: int, points_: int) -> None:
        """An earning first settles what the customer owes."""
        settled = min(points_, self.owed[customer])
        self.balances[customer] += points_ - settled
        self.owed[customer] -= settled

    @rule(who=st.integers(0, 2), which=st.integers(0, 1))
    def redeem(self, who: int, which: int) -> None:
        customer, reward_id = self.customer(who), self.rewards[which]
        cost = (50, 120)[which]
        try:
            self.run(
                rewards.redeem_reward(
                    self.ctx,
                    customer_id=customer,
                    reward_id=reward_id,
                    idempotency_key=f"s{next(_keys)}",
                )
            )
        except InsufficientPoints as error:
            assert (
                self.balances[customer] < cost
                and error.extra["available"] == self.balances[customer]
            )
            return
        assert self.balances[customer] >= cost
        self.balances[customer] -= cost

    @rule(giver=st.integers(0, 2), taker=st.integers(0, 2), amount=st.integers(1, 400))
    def transfer(self, giver: int, taker: int, amount: int) -> None:
        sender, receiver = self.customer(giver), self.customer(taker)
        if sender == receiver:
            return
        try:
            self.run(
                points.transfer_points(
                    self.ctx,
                    from_customer_id=sender,
                    to_customer_id=receiver,
                    points=amount,
                    idempotency_key=f"s{next(_keys)}",
                )
            )
        except InsufficientPoints:
            assert self.balances[sender] < amount
            return
        assert self.balances[sender] >= amount
        self.balances[sender] -= amount
        self.balances[receiver] += amount

    @rule(who=st.integers(0, 2), amount=st.integers(-300, 300).filter(bool))
    def adjust(self, who: int, amount: int) -> None:
        customer = self.customer(who)
        try:
            self.run(
                points.adjust_points(
                    self.ctx,
                    customer_id=customer,
                    points=amount,
                    reason="test",
                    idempotency_key=f"s{next(_keys)}",
                )
            )
        except InsufficientPoints:
            assert self.balances[customer] < -amount
            return
        self.balances[customer] += amount

    @precondition(lambda self: bool(self.orders))
    @rule(pick=st.integers(0, 1000), share=st.integers(1, 100))
    def refund(self, pick: int, share: int) -> None:
        order = self.run(Order.get(id=self.orders[pick % len(self.orders)]))
        left = order.total - order.refunded_amount
        if order.status != OrderStatus.COMPLETED or left <= 0:
            return
        amount = max(1, left * share // 100)
        customer: int = order.customer_id
        earned = sum(
            self.run(
                PointEntry.filter(order_id=order.id, kind=PointKind.EARN).values_list(
                    "amount", flat=True
                )
            )
        )
        refunded = order.refunded_amount + amount
        full = refunded == order.total
        due = (
            earned if full else earned * refunded // order.total
        ) - earned * order.refunded_amount // order.total
        self.run(orders.refund_order(self.ctx, order_id=order.id, amount=amount))
        taken = min(due, self.balances[customer])
        self.balances[customer] -= taken
        self.owed[customer] += due - taken

    @rule(days=st.integers(0, 6))
    def expire(self, days: int) -> None:
        self.day += days
        now = BASE + timedelta(days=self.day)
        due_before = self.run(self._due(now))
        self.run(points.expire_points(now))
        assert self.run(self._due(now)) == dict.fromkeys(self.customers, 0)
        for customer, amount in due_before.items():
            self.balances[customer] -= amount

    async def _due(self, now: datetime) -> dict[int, int]:
        due = dict.fromkeys(self.customers, 0)
        rows = await PointEntry.filter(
            customer_id__in=self.customers, remaining__gt=0, expires_at__lte=now
        ).values_list("customer_id", "remaining")
        for customer, remaining in rows:
            due[customer] += remaining
        return due

    @invariant()
    def ledger_holds(self) -> None:
        if not hasattr(self, "customers"):
            return
        self.run(check_ledger(store_id=1))
        stored = {customer: self.run(helpers.balance(customer)) for customer in self.customers}
        assert stored == self.balances
        owed = {customer: self.run(helpers.owed(customer)) for customer in self.customers}
        assert owed == self.owed


async def test_the_ledger_holds_whatever_the_order_of_operations(app: object) -> None:
    Ledger.loop = asyncio.get_running_loop()
    Ledger.ctx = helpers.system_context(app, account_id=None)
    run_settings = settings(
        max_examples=20,
        stateful_step_count=20,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    await asyncio.get_running_loop().run_in_executor(
        None, lambda: run_state_machine_as_test(Ledger, settings=run_settings)
    )
