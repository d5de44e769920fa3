"""The PostgreSQL engine: Tortoise's asyncpg client, whose pooled connections go back to the
pool without asyncpg's reset query, and are kept at hand for the next statement.

By default asyncpg runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
each time a connection is released, and Tortoise takes a connection from the pool for each
statement outside a transaction: every such statement cost a second round trip, and the server
the work of four statements. That query undoes session state, and nothing here leaves any on a
pooled connection: no session ``SET`` (transactions use ``SET LOCAL`` at most), no advisory lock,
no cursor outside a transaction, and the event bus LISTENs on a connection of its own
(core/broadcast.py). What a release must still do, asyncpg does anyway: roll back a transaction
left open and drop the connection's listeners.

Taking a connection from asyncpg's pool and giving it back cost about 55 us of CPU per statement
(a task to shield the release, a queue, an inactivity timer armed and cancelled), close to the
statement's own cost. ``KeptConnections`` keeps the connections released last, clean and idle,
for the next statement; one that is not (in a transaction, closed, cancelling a query), and
every connection while someone waits for one, goes back through asyncpg.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy
from tortoise.backends.asyncpg.client import AsyncpgDBClient

ENGINE = "core.postgres"
TORTOISE_ENGINE = "tortoise.backends.asyncpg"


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """See the module's docstring."""


class KeptConnections:
    """asyncpg's pool, with the connections given back last kept for the next ``acquire``.

    A kept connection stays acquired from asyncpg's pool, so the pool's size still bounds them
    all. Nobody waits while one is kept: ``acquire`` takes a kept one first, and a connection
    given back while someone waits for one goes back to asyncpg, which hands it to the waiter.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._kept: list[PoolConnectionProxy] = []
        self._waiting = 0

    def acquire(self) -> _Acquiring:
        """``await pool.acquire()`` or ``async with pool.acquire() as connection``."""
        return _Acquiring(self)

    async def take(self) -> PoolConnectionProxy:
        while self._kept:
            connection = self._kept.pop()
            if _clean(connection):
                return connection
            await self.pool.release(connection)
        self._waiting += 1
        try:
            connection = await self.pool.acquire()
        finally:
            self._waiting -= 1
        return connection

    async def release(
        self, connection: PoolConnectionProxy, *, timeout: float | None = None
    ) -> None:
        if not self._waiting and _clean(connection):
            connection._con._on_release()  # what asyncpg's release checks first (listeners)
            self._kept.append(connection)
            return
        await self.pool.release(connection, timeout=timeout)

    async def give_back(self) -> None:
        """Every kept connection back to asyncpg's pool."""
        while self._kept:
            await self.pool.release(self._kept.pop())

    async def expire_connections(self) -> None:
        await self.give_back()
        await self.pool.expire_connections()

    async def close(self) -> None:
        await self.give_back()
        await self.pool.close()

    def terminate(self) -> None:
        self._kept.clear()
        self.pool.terminate()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.pool, name)


def _clean(connection: PoolConnectionProxy) -> bool:
    """Idle and usable as it is: open, outside a transaction, no query being cancelled (asyncpg's
    own release waits for that)."""
    raw = connection._con
    return (
        raw is not None
        and not raw.is_closed()
        and not raw.is_in_transaction()
        and not raw._protocol._is_cancelling()
    )


class _Acquiring:
    """What ``KeptConnections.acquire`` returns: awaited, or entered as a context."""

    __slots__ = ("_pool", "_connection")

    def __init__(self, pool: KeptConnections) -> None:
        self._pool = pool
        self._connection: PoolConnectionProxy | None = None

    def __await__(self) -> Generator[Any, None, PoolConnectionProxy]:
        return self._pool.take().__await__()

    async def __aenter__(self) -> PoolConnectionProxy:
        self._connection = await self._pool.take()
        return self._connection

    async def __aexit__(self, *exc_info: object) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            await self._pool.release(connection)


class PooledPostgresClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> Any:
        return KeptConnections(await asyncpg.create_pool(None, reset=_nothing_to_reset, **kwargs))


client_class = PooledPostgresClient
