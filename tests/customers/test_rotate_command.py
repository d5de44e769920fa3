from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from core.settings import Settings
from models.customers import Customer
from resolvers.customers.records import opened
from resolvers.pii import keys_for
from tests.customers import factories

ROOT = Path(__file__).resolve().parents[2]
NEW_KEY = "rotated-pii-key-" + "r" * 32


async def test_rotate_keys_command_reseals_under_the_configured_version(
    app: object, settings: Settings
) -> None:
    # given
    row = await factories.customer(1, name="김민수", phone="010-1234-5678")
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DANGOL_JWT_SECRET": settings.jwt_secret,
        "DANGOL_BLIND_INDEX_KEY": settings.blind_index_key,
        "DANGOL_PII_KEY": NEW_KEY,
        "DANGOL_PII_KEY_VERSION": "2",
        "DANGOL_PII_PREVIOUS_KEYS": f"1:{settings.pii_key}",
    }
    # when
    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "app", "rotate-keys"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then
    assert done.returncode == 0, done.stderr
    assert "re-sealed 1 customers under PII key version 2" in done.stdout
    fresh = await Customer.get(id=row.id)
    assert fresh.key_version == 2 and fresh.phone_index == row.phone_index
    only_new = replace(settings, pii_key=NEW_KEY, pii_key_version=2)
    assert opened(keys_for(only_new), fresh) == ("김민수", "+821012345678")


def test_previous_keys_must_be_well_formed() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "rotate-keys"],
        cwd=ROOT,
        env={
            **os.environ,
            "DANGOL_JWT_SECRET": "j" * 40,
            "DANGOL_PII_KEY": "p" * 40,
            "DANGOL_BLIND_INDEX_KEY": "b" * 40,
            "DANGOL_PII_PREVIOUS_KEYS": "one:short",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "DANGOL_PII_PREVIOUS_KEYS" in done.stderr
