"""The per-request context that every resolver receives."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar, cast

from strawberry.dataloader import DataLoader
from tortoise.models import Model

from core.auth import STORES_VERSION, authenticate, bearer_credential
from core.database import (
    MAX_WRITTEN_IDS,
    connection,
    dialect,
    in_a_transaction,
    placeholder,
    row_values_by_id,
    rows_by_id,
)
from core.errors import Unauthenticated
from core.services import Services
from core.settings import Settings
from core.versioned import Versioned
from models.accounts import Account
from models.stores import Store
from policies.enforcement import PolicyEngine, Principal

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
M = TypeVar("M", bound=Model)
BatchLoad = Callable[[list[K]], Awaitable[Sequence[V]]]


class Loaders:
    """Per-request DataLoaders, each made on first use.

    Domains bring their own batch functions (``loaders.batch(balances_of)``), so the
    context never needs to know the domain's queries.
    """

    def __init__(self) -> None:
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}
        self._memo: dict[Hashable, asyncio.Future[Any]] = {}
        # what ``once`` computed, as soon as it is done (``decided`` is asked per row)
        self._done: dict[Hashable, Any] = {}

    def batch(self, load: BatchLoad[K, V]) -> DataLoader[K, V]:
        """One loader per batch function: ``load`` gets the keys and answers in their order."""
        found = self._loaders.get(load)
        if found is None:
            found = self._loaders[load] = DataLoader(load_fn=load)
        return found

    def rows(self, model: type[M]) -> DataLoader[int, M | None]:
        """Rows of ``model`` by primary key (None for a missing row)."""
        found = self._loaders.get(model)
        if found is None:
            found = self._loaders[model] = DataLoader(load_fn=_rows_of(model))
        return found

    def keep_rows(
        self, model: type[M], kept: Versioned[int, dict[str, Any]], version: int, version_sql: str
    ) -> None:
        """From now on ``rows(model)`` takes a row from ``kept`` while it was read at
        ``version``, the version of ``model``'s table this request read, and keeps the rows it
        reads, each with the version ``version_sql`` (an expression) reads in the same statement.
        Inside a transaction it reads the rows (they may be the transaction's own writes)."""
        if model not in self._loaders:
            self._loaders[model] = _KeptRowsLoader(model, kept, version, version_sql)

    def children(self, model: type[M], parent: str) -> DataLoader[int, list[M]]:
        """Rows of ``model`` grouped by the parent id in column ``parent``, in id order."""
        key = (model, parent)
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=_children_of(model, parent))
        return found

    async def once(self, key: Hashable, compute: Callable[[], Awaitable[V]]) -> V:
        """``compute()`` at most once per request for ``key``, shared by every field asking: the
        first computes in its own turn (a task would cost two turns of the loop), the others
        wait for its answer, or its error."""
        found = self._memo.get(key)
        if found is not None:
            return cast(V, await asyncio.shield(found))
        answer = self._memo[key] = asyncio.get_running_loop().create_future()
        value: V = await shared(answer, compute)
        self._done[key] = value
        return value

    def decided(self, key: Hashable) -> Any | None:
        """The result ``once`` computed for ``key``, if it is there already (else None)."""
        return self._done.get(key)

    def store_of(self, model: type[Model], pk: int) -> Awaitable[int | None]:
        """The store of a ``model`` row (None: no such row), read at most once per request: the
        operation's scope check and the domain share it. A row's store never changes."""
        return self.once(("store_of", model, pk), lambda: _store_of(model, pk))


async def shared(answer: asyncio.Future[V], compute: Callable[[], Awaitable[V]]) -> V:
    """``compute()`` for the first to ask, its answer or error set on ``answer`` for the others."""
    try:
        value = await compute()
    except BaseException as error:
        if isinstance(error, asyncio.CancelledError):
            answer.cancel()
        else:
            answer.set_exception(error)
            answer.exception()  # raised here: asyncio need not log it as never retrieved
        raise
    answer.set_result(value)
    return value


async def _store_of(model: type[Model], pk: int) -> int | None:
    found = await connection().execute_query_dict(_store_sql(model, dialect()), [pk])
    return int(found[0]["store_id"]) if found else None


@cache
def _store_sql(model: type[Model], dialect: str) -> str:
    """Written once per model: nearly every request by an object's id asks it first."""
    meta = model._meta
    mark = placeholder(dialect)
    store, table, pk = meta.fields_db_projection["store_id"], meta.db_table, meta.db_pk_column
    return f'SELECT "{store}" AS "store_id" FROM "{table}" WHERE "{pk}" = {mark}'


def _rows_of(model: type[M]) -> Callable[[list[int]], Awaitable[list[M | None]]]:
    async def load(ids: list[int]) -> list[M | None]:
        found = {row.pk: row for row in await rows_by_id(model, ids)}
        return [found.get(pk) for pk in ids]

    return load


_READ_AT = "_read_at_version"


def _kept_rows_of(
    model: type[M], kept: Versioned[int, dict[str, Any]], version: int, version_sql: str
) -> Callable[[list[int]], Awaitable[list[M | None]]]:
    read = _rows_of(model)
    key = model._meta.db_pk_column
    beside = f'{version_sql} AS "{_READ_AT}"'

    async def load(ids: list[int]) -> list[M | None]:
        if len(ids) > MAX_WRITTEN_IDS or in_a_transaction():
            return await read(ids)
        found: dict[int, M] = {}
        missing: list[int] = []
        for pk in ids:
            values = kept.get(pk, version)
            if values is None:
                missing.append(pk)
            else:
                found[pk] = model._init_from_db(**values)
        if missing:
            for values in await row_values_by_id(model, missing, beside):
                read_at = int(values.pop(_READ_AT))
                kept.put(values[key], read_at, values)
                found[values[key]] = model._init_from_db(**values)
        return [found.get(pk) for pk in ids]

    return load


class _KeptRowsLoader(DataLoader[int, Any]):
    """``_kept_rows_of`` as a loader that answers kept rows at once: the caller's ``await``
    returns without a batch, which the loop would run a turn later and answer a turn after."""

    def __init__(
        self, model: type[M], kept: Versioned[int, dict[str, Any]], version: int, version_sql: str
    ) -> None:
        super().__init__(load_fn=_kept_rows_of(model, kept, version, version_sql))
        self._model: type[Model] = model
        self._kept = kept
        self._version = version

    def load(self, key: int) -> Awaitable[Any]:
        if self.cache_map.get(key) is None and not in_a_transaction():
            values = self._kept.get(key, self._version)
            if values is not None:
                self.prime(key, self._model._init_from_db(**values))
        return super().load(key)

    def load_many(self, keys: Iterable[int]) -> Awaitable[list[Any]]:
        loading = [self.load(key) for key in keys]
        if not all(_answered(future) for future in loading):
            return asyncio.gather(*loading)
        answered = self.loop.create_future()
        answered.set_result([cast("asyncio.Future[Any]", future).result() for future in loading])
        return answered


def _answered(loading: Awaitable[Any]) -> bool:
    return (
        isinstance(loading, asyncio.Future)
        and loading.done()
        and not loading.cancelled()
        and loading.exception() is None
    )


def _children_of(model: type[M], parent: str) -> Callable[[list[int]], Awaitable[list[list[M]]]]:
    async def load(ids: list[int]) -> list[list[M]]:
        grouped: dict[int, list[M]] = {pk: [] for pk in ids}
        for row in await model.filter(**{f"{parent}__in": ids}).order_by("id"):
            grouped[getattr(row, parent)].append(row)
        return [grouped[pk] for pk in ids]

    return load


@dataclass
class Context:
    services: Services
    authorization: str | None = None
    client_address: str = "unknown"
    base_url: str = "http://localhost"
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
        """Authenticated once per request, even when several fields ask at the same moment: the
        first authenticates in its own turn (a task would cost two turns of the loop), and the
        others wait for its answer, or its error."""
        if self._principal is not None:
            return self._principal
        if self._authenticating is not None:
            return await asyncio.shield(self._authenticating)
        self._authenticating = asyncio.get_running_loop().create_future()
        self._principal = await shared(self._authenticating, self._authenticate)
        return self._principal

    async def _authenticate(self) -> Principal:
        credential = bearer_credential(self.authorization)
        if credential is None:
            raise Unauthenticated("Sign in first: send 'Authorization: Bearer <token>'.")
        found = await authenticate(self.services.tokens, self.services.settings, credential)
        self._known_policy_version = found.policy_version
        if found.stores_version is not None:
            self.loaders.keep_rows(
                Store, self.services.stores, found.stores_version, STORES_VERSION
            )
        if found.account is not None:
            self.loaders.rows(Account).prime(found.account.id, found.account)
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
