"""The migrations build the schema the models describe, and the generator says what it needs.

A model changed without `make migration name=x` (or a migration edited by hand into
something the models do not say) shows up here as a difference between a database
built by the migrations and one built by Tortoise straight from the models: tables,
columns (type, nullability), indexes and keys. Column order and column defaults are
not compared: a column added by a later migration comes last, with the default that
filled the rows already there. The audit-log triggers, which only the migrations
hold, are proven by tests/audit/test_audit_log.py.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import asyncpg
from tortoise import Tortoise

from core.database import close_database, open_database
from tests.conftest import BACKEND, SESSION, _pg_admin, _pg_url

ROOT = Path(__file__).resolve().parent.parent
Schema = dict[str, Any]


def sqlite_schema(path: str) -> Schema:
    """Tables with their columns, indexes and foreign keys, as SQLite reports them."""
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        schema: Schema = {}
        for table in sorted(tables):
            columns = {
                name: (kind, bool(notnull), pk)
                for _, name, kind, notnull, _default, pk in connection.execute(
                    f'PRAGMA table_info("{table}")'
                )
            }
            indexes = set()
            for _, name, unique, origin, partial in connection.execute(
                f'PRAGMA index_list("{table}")'
            ):
                indexed = tuple(
                    column for _, _, column in connection.execute(f'PRAGMA index_info("{name}")')
                )
                # SQLite numbers the indexes behind UNIQUE constraints itself.
                label = None if name.startswith("sqlite_autoindex_") else name
                indexes.add((label, indexed, bool(unique), origin, bool(partial)))
            foreign_keys = {
                (source, target, to, on_update, on_delete)
                for _, _, target, source, to, on_update, on_delete, _ in connection.execute(
                    f'PRAGMA foreign_key_list("{table}")'
                )
            }
            schema[table] = {"columns": columns, "indexes": indexes, "foreign_keys": foreign_keys}
        return schema
    finally:
        connection.close()


async def postgres_schema(url: str) -> Schema:
    """Tables with their columns, indexes and constraints, as PostgreSQL reports them."""
    connection = await asyncpg.connect(url)
    try:
        schema: Schema = {}
        for row in await connection.fetch(
            "SELECT table_name, column_name, data_type, character_maximum_length,"
            " numeric_precision, numeric_scale, is_nullable"
            " FROM information_schema.columns WHERE table_schema = 'public'"
        ):
            table = schema.setdefault(
                row["table_name"], {"columns": {}, "indexes": set(), "constraints": set()}
            )
            table["columns"][row["column_name"]] = tuple(row.values())[2:]
        for row in await connection.fetch(
            "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'"
        ):
            schema[row["tablename"]]["indexes"].add(row["indexdef"])
        for row in await connection.fetch(
            "SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS d"
            " FROM pg_constraint WHERE connamespace = 'public'::regnamespace"
        ):
            schema[row["table_name"].strip('"')]["constraints"].add((row["conname"], row["d"]))
        return dict(sorted(schema.items()))
    finally:
        await connection.close()


async def _schema_from_models(database_url: str) -> None:
    await open_database(database_url)
    try:
        await Tortoise.generate_schemas(safe=False)
    finally:
        await close_database()


def _differences(migrated: Schema, modelled: Schema) -> list[str]:
    found = [f"table {t}: only in the migrations" for t in migrated.keys() - modelled.keys()]
    found += [f"table {t}: only in the models" for t in modelled.keys() - migrated.keys()]
    for table in sorted(migrated.keys() & modelled.keys()):
        for part, built in migrated[table].items():
            wanted = modelled[table][part]
            if part == "columns":
                for column in sorted(built.keys() | wanted.keys()):
                    if built.get(column) != wanted.get(column):
                        found.append(
                            f"{table}.{column}: migrations {built.get(column)}"
                            f" != models {wanted.get(column)}"
                        )
            elif built != wanted:
                found.append(
                    f"{table} {part}: only in the migrations {sorted(built - wanted, key=str)},"
                    f" only in the models {sorted(wanted - built, key=str)}"
                )
    return found


def test_the_migrations_build_what_the_models_describe(database_url: str, tmp_path: Path) -> None:
    # given: the test database, built by the migrations (tests/conftest.py)
    # when: a scratch database is built by Tortoise straight from the models
    if BACKEND == "sqlite":
        scratch = tmp_path / "models.sqlite3"
        asyncio.run(_schema_from_models(f"sqlite://{scratch}"))
        migrated = sqlite_schema(database_url.removeprefix("sqlite://"))
        modelled = sqlite_schema(str(scratch))
    else:
        name = f"dangol_models_{SESSION}"
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}"'))
        asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))
        try:
            asyncio.run(_schema_from_models(_pg_url(name)))
            migrated = asyncio.run(postgres_schema(database_url))
            modelled = asyncio.run(postgres_schema(_pg_url(name)))
        finally:
            asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    # then: the same tables, columns, indexes and keys
    assert "audit_entry" in migrated
    assert _differences(migrated, modelled) == [], (
        "the migrations and the models disagree: run `make migration name=...` (README, Migrations)"
    )


def _generate(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "migrations" / "generate.py"), "never_written"],
        cwd=tmp_path,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_generator_says_it_needs_psql(tmp_path: Path) -> None:
    # when: psql is not on the PATH
    result = _generate(tmp_path, PATH=str(tmp_path))
    # then: one clear line, no traceback, and nothing written
    assert result.returncode != 0
    assert "psql" in result.stderr and "Traceback" not in result.stderr
    assert not list((ROOT / "migrations" / "models").glob("*never_written*"))


def test_the_generator_says_it_needs_postgresql(tmp_path: Path) -> None:
    # when: nothing listens where it looks for PostgreSQL
    result = _generate(
        tmp_path, DANGOL_MIGRATIONS_POSTGRES_URL="postgresql://postgres@127.0.0.1:9/test"
    )
    # then
    assert result.returncode != 0
    assert "DANGOL_MIGRATIONS_POSTGRES_URL" in result.stderr and "Traceback" not in result.stderr
    assert not list((ROOT / "migrations" / "models").glob("*never_written*"))
