"""The per-request context that every resolver receives."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from app.auth import authenticate, bearer_credential
from app.services import Services
from app.settings import Settings
from models.accounts import Account
from models.catalogue import Category, Product
from models.orders import OrderDiscount, OrderLine
from models.rewards import Reward
from models.stores import Store
from policies.enforcement import PolicyEngine, Principal
from resolvers.errors import Unauthenticated

M = TypeVar("M", bound=Model)


def _loader(model: type[M]) -> DataLoader[int, M | None]:
    async def load(ids: list[int]) -> list[M | None]:
        found = {row.pk: row for row in await model.filter(pk__in=ids)}
        return [found.get(pk) for pk in ids]

    return DataLoader(load_fn=load)


def _children(model: type[M], parent: str) -> DataLoader[int, list[M]]:
    async def load(ids: list[int]) -> list[list[M]]:
        grouped: dict[int, list[M]] = {pk: [] for pk in ids}
        for row in await model.filter(**{f"{parent}__in": ids}).order_by("id"):
            grouped[getattr(row, parent)].append(row)
        return [grouped[pk] for pk in ids]

    return DataLoader(load_fn=load)


def _point_balances() -> DataLoader[int, int]:
    async def load(customer_ids: list[int]) -> list[int]:
        from resolvers.points.queries import balances

        return await balances(customer_ids)

    return DataLoader(load_fn=load)


def _customer_tiers() -> DataLoader[int, Any]:
    async def load(customer_ids: list[int]) -> list[Any]:
        from resolvers.tiers import current_tiers

        return await current_tiers(customer_ids)

    return DataLoader(load_fn=load)


def _stamp_balances() -> DataLoader[int, int]:
    async def load(customer_ids: list[int]) -> list[int]:
        from resolvers.stamps import balances_of

        return await balances_of(customer_ids)

    return DataLoader(load_fn=load)


def _stamp_cards() -> DataLoader[int, Any]:
    async def load(store_ids: list[int]) -> list[Any]:
        from models.rewards import StampCard

        cards = {card.store_id: card for card in await StampCard.filter(store_id__in=store_ids)}  # type: ignore[attr-defined]
        return [cards.get(store_id) for store_id in store_ids]

    return DataLoader(load_fn=load)


@dataclass
class Loaders:
    stores: DataLoader[int, Store | None] = field(default_factory=lambda: _loader(Store))
    accounts: DataLoader[int, Account | None] = field(default_factory=lambda: _loader(Account))
    pii_revealed: dict[int, Any] = field(default_factory=dict)
    segment_context: dict[int, Any] = field(default_factory=dict)
    products: DataLoader[int, Product | None] = field(default_factory=lambda: _loader(Product))
    point_balances: DataLoader[int, int] = field(default_factory=_point_balances)
    customer_tiers: DataLoader[int, Any] = field(default_factory=_customer_tiers)
    stamp_balances: DataLoader[int, int] = field(default_factory=_stamp_balances)
    stamp_cards: DataLoader[int, Any] = field(default_factory=_stamp_cards)
    rewards: DataLoader[int, Reward | None] = field(default_factory=lambda: _loader(Reward))
    categories: DataLoader[int, Category | None] = field(default_factory=lambda: _loader(Category))
    order_lines: DataLoader[int, list[OrderLine]] = field(
        default_factory=lambda: _children(OrderLine, "order_id")
    )
    order_discounts: DataLoader[int, list[OrderDiscount]] = field(
        default_factory=lambda: _children(OrderDiscount, "order_id")
    )


@dataclass
class Context:
    services: Services
    authorization: str | None = None
    client_address: str = "unknown"
    loaders: Loaders = field(default_factory=Loaders)
    response: Any = None
    _principal: Principal | None = None
    _authenticating: "asyncio.Future[Principal] | None" = None
    _policy_synced: bool = False
    _known_policy_version: int | None = None

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def policy(self) -> PolicyEngine:
        return self.services.policy

    async def principal(self) -> Principal:
        """Authenticated once per request, even when several fields ask at the same moment."""
        if self._principal is None:
            if self._authenticating is None:
                self._authenticating = asyncio.ensure_future(self._authenticate())
            self._principal = await self._authenticating
        return self._principal

    async def _authenticate(self) -> Principal:
        credential = bearer_credential(self.authorization)
        if credential is None:
            raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
        found = await authenticate(self.services, credential)
        self._known_policy_version = found.policy_version
        if found.account is not None:
            self.loaders.accounts.prime(found.account.id, found.account)
        return found.principal

    async def current_policy(self) -> PolicyEngine:
        """The policy as of this request: synced with the database once per request."""
        if not self._policy_synced:
            await self.services.policy.sync(known_version=self._known_policy_version)
            self._policy_synced = True
        return self.services.policy

    @classmethod
    def for_principal(cls, services: Services, principal: Principal) -> "Context":
        """A context for jobs and the command line, acting as the given principal."""
        return cls(services=services, _principal=principal)
