"""The rewards catalogue (E2) and redemptions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import NotFound as NotFoundError
from models.customers import Customer as CustomerModel
from models.rewards import (
    Redemption as RedemptionModel,
    Reward as RewardModel,
)
from resolvers import rewards
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import RedemptionStatus
from schema.errors import result
from schema.ids import Absent, decode_id, global_id
from schema.inputs import provided
from schema.operations import mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class Reward(relay.Node):
    id: relay.NodeID[int]
    name: str
    cost_points: int | None
    cost_stamps: int | None
    product_id: relay.GlobalID | None = strawberry.field(description="The gift item, if any.")
    value: int = strawberry.field(description="Won taken off the order it is applied to.")
    requires_approval: bool
    is_active: bool
    created_at: datetime

    @classmethod
    def from_model(cls, reward: RewardModel) -> "Reward":
        return cls(
            id=reward.id,
            name=reward.name,
            cost_points=reward.cost_points,
            cost_stamps=reward.cost_stamps,
            product_id=global_id("Product", reward.product_id),
            value=reward.value,
            requires_approval=reward.requires_approval,
            is_active=reward.is_active,
            created_at=reward.created_at,
        )


@strawberry.type
class Redemption(relay.Node):
    id: relay.NodeID[int]
    status: RedemptionStatus
    customer_id: relay.GlobalID
    reward_id: relay.GlobalID
    order_id: relay.GlobalID | None
    points_spent: int
    stamps_spent: int
    created_at: datetime
    decided_at: datetime | None

    @classmethod
    def from_model(cls, row: RedemptionModel) -> "Redemption":
        return cls(
            id=row.id,
            status=row.status,
            customer_id=global_id("Customer", row.customer_id),
            reward_id=global_id("Reward", row.reward_id),
            order_id=global_id("Order", row.order_id),
            points_spent=row.points_spent,
            stamps_spent=row.stamps_spent,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )

    @strawberry.field
    async def reward(self, info: Info) -> Reward | None:
        found = await info.context.loaders.rows(RewardModel).load(int(self.reward_id.node_id))
        return Reward.from_model(found) if found else None


@strawberry.type
class RewardConnection(Connection[Reward]):
    pass


async def rewards_connection(
    store_id: int, first: int | None, after: str | None, include_inactive: bool
) -> RewardConnection:
    size = page_size(first)
    rows = await rewards.rewards_page(
        store_id=store_id, size=size, after_id=_after_id(after), include_inactive=include_inactive
    )
    return connection(
        RewardConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=Reward.from_model,
        has_previous=after is not None,
        total=rewards.rewards_query(store_id=store_id, include_inactive=include_inactive).count,
    )


@strawberry.type
class RedemptionConnection(Connection[Redemption]):
    pass


def _after_id(after: str | None) -> int | None:
    cursor = decode_cursor(after, (int,))
    return None if cursor is None else cursor[0]


async def redemptions_connection(
    store_id: int,
    status: RedemptionStatus | None,
    first: int | None,
    after: str | None,
    customer_id: int | None = None,
) -> RedemptionConnection:
    size = page_size(first)
    rows = await rewards.redemptions_page(
        store_id=store_id,
        status=status,
        size=size,
        after_id=_after_id(after),
        customer_id=customer_id,
    )
    return connection(
        RedemptionConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=Redemption.from_model,
        has_previous=after is not None,
        total=rewards.redemptions_query(
            store_id=store_id, status=status, customer_id=customer_id
        ).count,
    )


@strawberry.input
class CreateRewardInput:
    store_id: relay.GlobalID
    name: str
    cost_points: int | None = strawberry.field(default=None, description="Either points or stamps.")
    cost_stamps: int | None = None
    product_id: relay.GlobalID | None = None
    value: int = 0
    requires_approval: bool = False


@strawberry.input
class UpdateRewardInput:
    reward_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    cost_points: int | None = strawberry.UNSET
    cost_stamps: int | None = strawberry.UNSET
    product_id: relay.GlobalID | None = strawberry.UNSET
    value: int | None = strawberry.UNSET
    requires_approval: bool | None = strawberry.UNSET
    is_active: bool | None = strawberry.UNSET


@strawberry.input
class RedeemRewardInput:
    customer_id: relay.GlobalID
    reward_id: relay.GlobalID
    idempotency_key: str


@strawberry.input
class ApproveRedemptionInput:
    redemption_id: relay.GlobalID
    approve: bool
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first decision."
    )


@strawberry.type
class RewardSuccess:
    reward: Reward


@strawberry.type
class RedemptionSuccess:
    redemption: Redemption


RewardResult = result("RewardResult", RewardSuccess, errors.InvalidInput, errors.NotFound)
RedeemRewardResult = result(
    "RedeemRewardResult",
    RedemptionSuccess,
    errors.InsufficientPoints,
    errors.InsufficientStamps,
    errors.RewardInactive,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)
ApproveRedemptionResult = result(
    "ApproveRedemptionResult",
    RedemptionSuccess,
    errors.RedemptionNotPending,
    errors.NotFound,
    errors.InvalidInput,
    errors.IdempotencyKeyReused,
)
CancelRedemptionResult = result(
    "CancelRedemptionResult",
    RedemptionSuccess,
    errors.RedemptionNotCancellable,
    errors.RedemptionAlreadyApplied,
    errors.NotFound,
)


@strawberry.input
class CancelRedemptionInput:
    redemption_id: relay.GlobalID


def _pk(value: relay.GlobalID | None, type_name: str, field: str) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise NotFoundError(f"No such {type_name.lower()}.", field=field) from exc


def _reward_changes(input: UpdateRewardInput) -> dict[str, Any]:
    changes = provided(input, "reward_id")
    if "product_id" in changes:
        changes["product_id"] = _pk(changes["product_id"], "Product", "productId")
    return changes


@strawberry.type
class Mutation:
    @mutation(
        "rewards.manage", store=store_id_at("input.store_id"), absent="store", result=RewardResult
    )
    async def create_reward(self, info: Info, input: CreateRewardInput) -> RewardSuccess:
        reward = await rewards.create_reward(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            cost_points=input.cost_points,
            cost_stamps=input.cost_stamps,
            product_id=_pk(input.product_id, "Product", "productId"),
            value=input.value,
            requires_approval=input.requires_approval,
        )
        return RewardSuccess(reward=Reward.from_model(reward))

    @mutation(
        "rewards.manage",
        result=RewardResult,
        store=owner_store_of("input.reward_id", RewardModel, "Reward"),
        absent="reward",
    )
    async def update_reward(self, info: Info, input: UpdateRewardInput) -> RewardSuccess:
        reward = await rewards.update_reward(
            info.context,
            reward_id=decode_id(input.reward_id, "Reward"),
            changes=_reward_changes(input),
        )
        return RewardSuccess(reward=Reward.from_model(reward))

    @mutation(
        "points.redeem",
        result=CancelRedemptionResult,
        store=owner_store_of("input.redemption_id", RedemptionModel, "Redemption"),
        absent="redemption",
        description="Drop a chosen reward before payment: its points or stamps come back.",
    )
    async def cancel_redemption(
        self, info: Info, input: CancelRedemptionInput
    ) -> RedemptionSuccess:
        redemption = await rewards.cancel_redemption(
            info.context, redemption_id=decode_id(input.redemption_id, "Redemption")
        )
        return RedemptionSuccess(redemption=Redemption.from_model(redemption))

    @mutation(
        "points.redeem",
        result=RedeemRewardResult,
        store=owner_store_of("input.customer_id", CustomerModel, "Customer"),
        absent="customer",
    )
    async def redeem_reward(self, info: Info, input: RedeemRewardInput) -> RedemptionSuccess:
        redemption_id = await rewards.redeem_reward(
            info.context,
            customer_id=decode_id(input.customer_id, "Customer"),
            reward_id=_pk(input.reward_id, "Reward", "rewardId") or 0,
            idempotency_key=input.idempotency_key,
        )
        return RedemptionSuccess(
            redemption=Redemption.from_model(await RedemptionModel.get(id=redemption_id))
        )

    @mutation(
        "rewards.approve",
        result=ApproveRedemptionResult,
        store=owner_store_of("input.redemption_id", RedemptionModel, "Redemption"),
        absent="redemption",
    )
    async def approve_redemption(
        self, info: Info, input: ApproveRedemptionInput
    ) -> RedemptionSuccess:
        redemption = await rewards.approve_redemption(
            info.context,
            redemption_id=decode_id(input.redemption_id, "Redemption"),
            approve=input.approve,
            idempotency_key=input.idempotency_key,
        )
        return RedemptionSuccess(redemption=Redemption.from_model(redemption))


@strawberry.type
class StoreRewards(StoreProfile):
    @query("rewards.read", store=source_store())
    async def rewards(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_inactive: bool = False,
    ) -> RewardConnection:

        return await rewards_connection(self.id, first, after, include_inactive)

    @query("rewards.read", store=source_store())
    async def redemptions(
        self,
        info: Info,
        status: RedemptionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> RedemptionConnection:

        return await redemptions_connection(self.id, status, first, after)


@strawberry.type
class CustomerRewards(CustomerProfile):
    @query("rewards.read", store=customer_store, description="Oldest first.")
    async def redemptions(
        self,
        info: Info,
        status: RedemptionStatus | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> RedemptionConnection:
        return await redemptions_connection(self.store_id, status, first, after, self.id)

    @query(
        "rewards.read",
        store=customer_store,
        description="The active rewards the customer's points or stamps pay for now.",
    )
    async def affordable_rewards(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> RewardConnection:
        size = page_size(first)
        after_id = _after_id(after)
        rows = await rewards.affordable_page(
            store_id=self.store_id, customer_id=self.id, size=size, after_id=after_id
        )

        async def total() -> int:
            found = await rewards.affordable_query(store_id=self.store_id, customer_id=self.id)
            return await found.count()

        return connection(
            RewardConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=Reward.from_model,
            has_previous=after is not None,
            total=total,
        )
