"""The PostgreSQL engine: Tortoise's asyncpg client, whose pooled connections go back to the
pool without asyncpg's reset query.

By default asyncpg runs ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL``
each time a connection is released, and Tortoise takes a connection from the pool for each
statement outside a transaction: every such statement cost a second round trip, and the server
the work of four statements. That query undoes session state, and nothing here leaves any on a
pooled connection: no session ``SET`` (transactions use ``SET LOCAL`` at most), no advisory lock,
no cursor outside a transaction, and the event bus LISTENs on a connection of its own
(core/broadcast.py). What a release must still do, asyncpg does anyway: roll back a transaction
left open and drop the connection's listeners.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from tortoise.backends.asyncpg.client import AsyncpgDBClient

ENGINE = "core.postgres"
TORTOISE_ENGINE = "tortoise.backends.asyncpg"


async def _nothing_to_reset(connection: asyncpg.Connection) -> None:
    """See the module's docstring."""


class PooledPostgresClient(AsyncpgDBClient):
    async def create_pool(self, **kwargs: Any) -> asyncpg.Pool:
        return await asyncpg.create_pool(None, reset=_nothing_to_reset, **kwargs)


client_class = PooledPostgresClient
