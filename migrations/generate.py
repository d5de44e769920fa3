"""Write a migration that runs on SQLite and on PostgreSQL.

aerich writes SQL for the dialect of the database it talks to. This script
asks it twice, once against a scratch SQLite file and once against a scratch
PostgreSQL database, and merges both into one migration that picks its SQL by
the dialect it runs on.

    python migrations/generate.py NAME     (or `make migration name=NAME`)

It needs `psql` on the PATH and a PostgreSQL that lets it create a scratch
database: DANGOL_MIGRATIONS_POSTGRES_URL, by default the local one at
postgresql://postgres@127.0.0.1:5432/test.

A migration, once written, is never rewritten. SQL that aerich cannot derive
from the models (triggers, functions, data changes) is written by hand straight
into that migration's UPGRADE and DOWNGRADE texts, for both dialects; the first
migration holds the audit-log triggers that way.
"""

from __future__ import annotations

import ast
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = ROOT / "migrations" / "models"
DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
ADMIN_URL = os.environ.get("DANGOL_MIGRATIONS_POSTGRES_URL") or DEFAULT_ADMIN_URL
NEEDS = (
    "migrations/generate.py asks aerich for the SQL of both dialects, so it needs `psql` (the"
    " PostgreSQL client) on the PATH and a PostgreSQL where it may create a scratch database:"
    f" DANGOL_MIGRATIONS_POSTGRES_URL, by default {DEFAULT_ADMIN_URL}."
)


def fail(problem: str) -> SystemExit:
    return SystemExit(f"cannot write a migration: {problem}\n{NEEDS}")


def psql(sql: str, doing: str) -> None:
    """Run one statement on the administrative database, or stop saying what went wrong."""
    if shutil.which("psql") is None:
        raise fail("`psql` is not on the PATH (Debian/Ubuntu: apt-get install postgresql-client).")
    try:
        subprocess.run(
            ["psql", "-w", "-X", "-q", "-v", "ON_ERROR_STOP=1", ADMIN_URL, "-c", sql],
            env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
    except subprocess.CalledProcessError as error:
        raise fail(f"could not {doing} at {ADMIN_URL}: {error.stderr.strip()}") from None
    except subprocess.TimeoutExpired:
        raise fail(f"could not {doing} at {ADMIN_URL}: no answer within a minute.") from None


# SQLite keeps no column comments, so a changed comment (a new value of an enum column
# changes its description) is nothing to do there; aerich would refuse it outright.
AERICH = (
    "import sys; import aerich.ddl.sqlite as lite; "
    "lite.SqliteDDL.set_comment = lambda self, model, field: '-- SQLite keeps no comments'; "
    "from aerich.cli import main; sys.argv[0] = 'aerich'; main()"
)


def aerich(args: list[str], database_url: str, workdir: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHONPATH": str(ROOT)}
    try:
        subprocess.run([sys.executable, "-c", AERICH, *args], cwd=workdir, env=env, check=True)
    except subprocess.CalledProcessError:
        dialect = database_url.partition(":")[0]
        raise SystemExit(
            f"aerich {' '.join(args)} failed on {dialect} (its output is above)"
        ) from None


def generate(dialect_url: str, name: str, workdir: Path) -> Path:
    (workdir / "migrations").mkdir(parents=True)
    shutil.copy(ROOT / "pyproject.toml", workdir / "pyproject.toml")
    text = (
        (workdir / "pyproject.toml")
        .read_text()
        .replace('src_folder = "./."', f'src_folder = "{ROOT}"')
    )
    (workdir / "pyproject.toml").write_text(text)
    if MIGRATIONS.exists() and any(MIGRATIONS.glob("*.py")):
        shutil.copytree(MIGRATIONS, workdir / "migrations" / "models")
        aerich(["upgrade"], dialect_url, workdir)
        before = set((workdir / "migrations" / "models").glob("*.py"))
        aerich(["migrate", "--name", name], dialect_url, workdir)
        created = set((workdir / "migrations" / "models").glob("*.py")) - before
    else:
        aerich(["init-db"], dialect_url, workdir)
        created = set((workdir / "migrations" / "models").glob("*.py"))
    if len(created) != 1:
        raise SystemExit("aerich found no change to migrate")
    return created.pop()


def parts(path: Path) -> dict[str, str]:
    tree = ast.parse(path.read_text())
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef):
            returned = node.body[-1]
            assert isinstance(returned, ast.Return) and isinstance(returned.value, ast.Constant)
            assert isinstance(returned.value.value, str)
            found[node.name] = returned.value.value
        elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            found[node.targets[0].id] = ast.get_source_segment(path.read_text(), node.value) or ""
    return found


def literal(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    return '"""' + escaped + '"""'


def merge(sqlite_file: Path, postgres_file: Path, target: Path) -> None:
    lite, pg = parts(sqlite_file), parts(postgres_file)
    body = f"""from tortoise import BaseDBAsyncClient

# Generated by migrations/generate.py: one SQL text per dialect. It is never
# regenerated: SQL that aerich cannot derive from the models goes by hand into
# these texts, for both dialects (README, Migrations).
RUN_IN_TRANSACTION = True

UPGRADE = {{
    "sqlite": {literal(lite["upgrade"])},
    "postgres": {literal(pg["upgrade"])},
}}

DOWNGRADE = {{
    "sqlite": {literal(lite["downgrade"])},
    "postgres": {literal(pg["downgrade"])},
}}


async def upgrade(db: BaseDBAsyncClient) -> str:
    return UPGRADE[db.schema_generator.DIALECT]


async def downgrade(db: BaseDBAsyncClient) -> str:
    return DOWNGRADE[db.schema_generator.DIALECT]


MODELS_STATE = ({lite["MODELS_STATE"]})
"""
    target.write_text(body)


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "update"
    psql("SELECT 1", "reach PostgreSQL")  # says what is missing before anything else happens
    with open(os.path.join(tempfile.gettempdir(), "dangol-migrations.lock"), "w") as lock:
        # Two engineers generating at once would both number their migration N.
        fcntl.flock(lock, fcntl.LOCK_EX)
        _generate(name)


def _generate(name: str) -> None:
    first = not any(MIGRATIONS.glob("*.py"))
    scratch_db = f"dangol_migrate_{os.getpid()}"
    base, _, _ = ADMIN_URL.rpartition("/")
    psql(f'CREATE DATABASE "{scratch_db}"', f"create the scratch database {scratch_db}")
    try:
        with tempfile.TemporaryDirectory() as lite_dir, tempfile.TemporaryDirectory() as pg_dir:
            lite = generate(f"sqlite://{lite_dir}/scratch.sqlite3", name, Path(lite_dir) / "w")
            pg = generate(f"{base}/{scratch_db}", name, Path(pg_dir) / "w")
            MIGRATIONS.mkdir(parents=True, exist_ok=True)
            target = MIGRATIONS / lite.name
            merge(lite, pg, target)
            print(f"wrote {target.relative_to(ROOT)}")
            if first:
                print(
                    "This is a first migration: write the SQL aerich cannot derive into it by"
                    " hand, for both dialects (the audit_entry triggers; README, Migrations)."
                )
    finally:
        psql(f'DROP DATABASE IF EXISTS "{scratch_db}"', f"drop the scratch database {scratch_db}")


if __name__ == "__main__":
    main()
