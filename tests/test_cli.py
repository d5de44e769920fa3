"""The command line, run as a user runs it: a separate process against a fresh database."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(args: list[str], database: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{database}",
        "DANGOL_JWT_SECRET": "j" * 40,
        "DANGOL_PII_KEY": "p" * 40,
        "DANGOL_BLIND_INDEX_KEY": "b" * 40,
        "DANGOL_ARGON2_TIME_COST": "1",
        "DANGOL_ARGON2_MEMORY_KIB": "64",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_migrate_create_admin_and_seed_demo(tmp_path: Path) -> None:
    database = tmp_path / "cli.sqlite3"
    migrated = _run(["migrate"], database)
    assert migrated.returncode == 0, migrated.stderr
    assert "installed the default access policy" in migrated.stdout
    assert "refreshed the planner's statistics" in migrated.stdout
    with sqlite3.connect(database) as raw:
        assert raw.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0
    remigrated = _run(["migrate"], database).stdout
    assert "applied migration" not in remigrated and "statistics" not in remigrated

    created = _run(
        ["create-admin", "--email", "Root@Example.com"],
        database,
        DANGOL_ADMIN_PASSWORD="a-long-admin-password",
    )
    assert created.returncode == 0, created.stderr
    assert "created admin root@example.com" in created.stdout
    again = _run(
        ["create-admin", "--email", "root@example.com"],
        database,
        DANGOL_ADMIN_PASSWORD="a-long-admin-password",
    )
    assert again.returncode != 0 and "exists already" in again.stderr
    weak = _run(
        ["create-admin", "--email", "x@example.com"], database, DANGOL_ADMIN_PASSWORD="short"
    )
    assert weak.returncode != 0

    seeded = _run(["seed-demo"], database)
    assert seeded.returncode == 0
    assert (
        "loaded the demo data" not in seeded.stdout
    )  # accounts exist already: the demo never overwrites


def test_seed_demo_on_an_empty_database_prints_the_sign_ins(tmp_path: Path) -> None:
    seeded = _run(["seed-demo"], tmp_path / "demo.sqlite3")
    assert seeded.returncode == 0, seeded.stderr
    for email in (
        "admin@dangol.test",
        "owner1@dangol.test",
        "manager2@dangol.test",
        "staff2@dangol.test",
    ):
        assert email in seeded.stdout


def test_export_schema_writes_the_sdl(tmp_path: Path) -> None:
    target = tmp_path / "schema.graphql"
    exported = _run(["export-schema", "--output", str(target)], tmp_path / "unused.sqlite3")
    assert exported.returncode == 0
    assert "type Mutation" in target.read_text()


def test_production_without_secrets_stops_with_a_clear_message(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DANGOL_")}
    environment.update(
        {"DANGOL_ENV": "production", "DATABASE_URL": f"sqlite://{tmp_path}/p.sqlite3"}
    )
    result = subprocess.run(
        [sys.executable, "-m", "app", "migrate"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "DANGOL_JWT_SECRET" in result.stderr


def test_serve_runs_one_process_per_core_unless_told() -> None:
    # given
    from app import cli

    # when
    default = cli.parser().parse_args(["serve"])
    told = cli.parser().parse_args(["serve", "--workers", "3"])
    # then
    assert default.workers == (os.cpu_count() or 1)
    assert told.workers == 3
