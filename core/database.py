"""Database wiring: the Tortoise configuration, write transactions and SQL written by hand.

The engines are core/sqlite.py (the embedded default) and core/postgres.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any, TypeVar

from aerich import Command
from tortoise import Tortoise, connections
from tortoise.backends.base.client import BaseDBAsyncClient, TransactionalDBClient
from tortoise.backends.base.config_generator import expand_db_url
from tortoise.models import Model
from tortoise.transactions import in_transaction

from core import postgres, sqlite
from core.settings import DEFAULT_DATABASE_URL

MODEL_MODULES = [
    "models.accounts",
    "models.stores",
    "models.policies",
    "models.audit",
    "models.api_keys",
    "models.notifications",
    "models.throttling",
    "models.customers",
    "models.catalogue",
    "models.orders",
    "models.idempotency",
    "models.points",
    "models.rewards",
    "models.coupons",
    "models.tiers",
    "models.outbox",
    "models.jobs",
    "models.campaigns",
    "models.inventory",
    "models.settlements",
    "models.messages",
    "models.analytics",
    "models.webhooks",
    "models.tasks",
    "models.favourites",
    "aerich.models",
]
M = TypeVar("M", bound=Model)
MAX_WRITTEN_IDS = 64  # more ids than this go through the ORM, in a statement built each time


def connection_config(database_url: str) -> dict[str, Any] | str:
    if database_url.startswith("sqlite://"):
        path = database_url.removeprefix("sqlite://")
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        return {
            "engine": sqlite.ENGINE,
            "credentials": {
                "file_path": path,
                "journal_mode": "WAL",
                "synchronous": "NORMAL",
                "busy_timeout": sqlite.SQLITE_BUSY_TIMEOUT_MS,
                "foreign_keys": "ON",
            },
        }
    config = expand_db_url(database_url)
    if config["engine"] == postgres.TORTOISE_ENGINE:
        config["engine"] = postgres.ENGINE
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(database_url)},
        "apps": {"models": {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


# Read by aerich (`[tool.aerich] tortoise_orm = "core.database.TORTOISE_ORM"`).
TORTOISE_ORM = tortoise_config(os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL)


async def open_database(database_url: str) -> None:
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


def connection() -> BaseDBAsyncClient:
    client: BaseDBAsyncClient = connections.get("default")
    return client


def dialect() -> str:
    return connection().schema_generator.DIALECT


def marks(count: int, offset: int = 0) -> list[str]:
    """Placeholders for ``count`` values of SQL written by hand: ``$n`` on PostgreSQL (numbered
    from ``offset + 1``), ``?`` on SQLite."""
    current = dialect()
    return [placeholder(current, offset + k + 1) for k in range(count)]


def placeholder(dialect: str, number: int = 1) -> str:
    """The ``number``-th placeholder in ``dialect``: for statements written once per dialect."""
    return f"${number}" if dialect == "postgres" else "?"


def db_date(value: date) -> Any:
    """A date as the driver takes it in SQL written by hand."""
    return value if dialect() == "postgres" else value.isoformat()


def db_instant(value: datetime) -> Any:
    """An instant as the driver takes it (aiosqlite: the text Tortoise stores; asyncpg: itself)."""
    return value if dialect() == "postgres" else value.astimezone(UTC).isoformat(" ")


def db_uuid(value: uuid.UUID) -> Any:
    """A UUID as the driver takes it in SQL written by hand (SQLite keeps the text)."""
    return value if dialect() == "postgres" else str(value)


async def add_to_row(
    table: str,
    keys: Mapping[str, Any],
    added: Mapping[str, int],
    *,
    replaced: Mapping[str, Any] | None = None,
    returning: Sequence[str] = (),
) -> dict[str, Any]:
    """Insert the row named by ``keys`` or, when it exists, add ``added`` to its columns (and
    set ``replaced``): one statement, which takes the row's lock as an UPDATE does, so racing
    writers each see their own total. Returns the ``returning`` columns after the change."""
    values = {**keys, **added, **(replaced or {})}
    names = ", ".join(f'"{column}"' for column in values)
    sets = [f'"{column}" = "{table}"."{column}" + excluded."{column}"' for column in added]
    sets += [f'"{column}" = excluded."{column}"' for column in replaced or {}]
    conflict = ", ".join(f'"{column}"' for column in keys)
    sql = (
        f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marks(len(values)))}) '
        f"ON CONFLICT ({conflict}) DO UPDATE SET {', '.join(sets)}"
    )
    if returning:
        sql += " RETURNING " + ", ".join(f'"{column}"' for column in returning)
    rows = await connection().execute_query_dict(sql, [db_value(v) for v in values.values()])
    return rows[0] if rows else {}


async def update_returning(
    model: type[M], where: Mapping[str, Any], values: Mapping[str, Any]
) -> M | None:
    """Set ``values`` on the row of ``model`` whose fields equal ``where`` and return it as the
    update left it, in one statement (None: no row matched). For a conditional update on a hot
    path, which would otherwise be an UPDATE and a SELECT."""
    columns = model._meta.fields_db_projection
    arguments = [db_value(v) for v in (*values.values(), *where.values())]
    at = marks(len(arguments))
    sets = ", ".join(f'"{columns[name]}" = {mark}' for name, mark in zip(values, at, strict=False))
    conditions = " AND ".join(
        f'"{columns[name]}" = {mark}' for name, mark in zip(where, at[len(values) :], strict=True)
    )
    sql = f'UPDATE "{model._meta.db_table}" SET {sets} WHERE {conditions} RETURNING *'
    rows = await connection().execute_query_dict(sql, arguments)
    return model._init_from_db(**rows[0]) if rows else None


async def rows_by_id(model: type[M], ids: Sequence[int]) -> list[M]:
    """The rows of ``model`` with these primary keys, in no particular order. A few ids (what a
    request's loaders ask) go in a statement written once per count: building it through the
    ORM cost more than running it."""
    if len(ids) > MAX_WRITTEN_IDS:
        return await model.filter(pk__in=ids)
    return [model._init_from_db(**row) for row in await row_values_by_id(model, ids)]


async def row_values_by_id(
    model: type[Model], ids: Sequence[int], beside: str = ""
) -> list[dict[str, Any]]:
    """The columns of ``model``'s rows with these primary keys (at most ``MAX_WRITTEN_IDS``),
    and ``beside`` (``expression AS "name"``) read in the same statement."""
    sql = _by_id_sql(model, dialect(), len(ids), beside)
    return await connection().execute_query_dict(sql, list(ids))


def in_a_transaction() -> bool:
    """Whether this task's statements go to an open transaction."""
    return isinstance(connection(), TransactionalDBClient)


@lru_cache(maxsize=1024)
def _by_id_sql(model: type[Model], dialect: str, count: int, beside: str) -> str:
    meta = model._meta
    columns = ", ".join(
        [*(f'"{column}"' for column in meta.db_fields), *([beside] if beside else [])]
    )
    at = ", ".join(placeholder(dialect, k + 1) for k in range(count))
    return f'SELECT {columns} FROM "{meta.db_table}" WHERE "{meta.db_pk_column}" IN ({at})'


def db_value(value: Any) -> Any:
    """A value as the driver takes it in SQL written by hand."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return db_instant(value)
    return value


async def lock_rows(model: type[Model], **filters: Any) -> None:
    """Hold the matching rows until the transaction ends, so racing writers take turns.

    PostgreSQL locks them (``FOR UPDATE``); SQLite already holds its write lock from
    ``BEGIN IMMEDIATE``. (Tortoise drops ``FOR UPDATE`` from ``values_list`` queries,
    hence ``only``.)
    """
    if dialect() == "postgres":
        await model.filter(**filters).select_for_update().only(model._meta.pk_attr)


async def insert_rows(table: str, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert many plain rows through the driver (``COPY`` on PostgreSQL, ``executemany`` on
    SQLite), in the current transaction: for bulk writes where building models would dominate.
    Values are what the driver takes: datetimes aware, JSON as text, enums as their values."""
    if not rows:
        return
    conn = connection()
    if dialect() == "postgres":
        async with conn.acquire_connection() as raw:
            await raw.copy_records_to_table(table, records=list(rows), columns=list(columns))
        return
    names = ", ".join(f'"{column}"' for column in columns)
    values = [list(row) for row in rows]  # Tortoise declares execute_many for lists of lists
    await conn.execute_many(
        f'INSERT INTO "{table}" ({names}) VALUES ({", ".join(marks(len(columns)))})', values
    )


@asynccontextmanager
async def write_transaction() -> AsyncIterator[BaseDBAsyncClient]:
    """A transaction that holds the write lock from its first statement on SQLite."""
    async with in_transaction("default") as conn:
        yield conn


# Rows ANALYZE samples per index on SQLite (PRAGMA analysis_limit): statistics good enough for
# the planner, at a cost that stays about the same however large the database grows.
STATISTICS_ROWS = 400


async def refresh_statistics() -> bool:
    """Refresh SQLite's planner statistics; whether it did (PostgreSQL's autovacuum keeps its own).

    Without them SQLite chooses plans by rules of thumb: on the 100k-customer bench store the
    dormant customers by visits were found through their last visit and all sorted (148 ms of
    SQL per page) instead of read in visit order until the page was full (1.1 ms)."""
    if dialect() != "sqlite":
        return False
    await connection().execute_script(f"PRAGMA analysis_limit={STATISTICS_ROWS}; ANALYZE;")
    return True


MIGRATIONS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations"
)


async def apply_migrations(database_url: str) -> list[str]:
    """Apply pending aerich migrations, as `aerich upgrade` does. Returns the files applied."""
    async with Command(
        tortoise_config=tortoise_config(database_url), app="models", location=MIGRATIONS_DIR
    ) as command:
        await command.init()
        return await command.upgrade(run_in_transaction=True)
