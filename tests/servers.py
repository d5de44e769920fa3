"""Real uvicorn processes for tests that need more than one server process."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx

from core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
# Starting a process (imports, schema, database) takes seconds on a busy 2-core machine.
READY_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(settings: Settings) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DANGOL_JWT_SECRET": settings.jwt_secret,
        "DANGOL_PII_KEY": settings.pii_key,
        "DANGOL_BLIND_INDEX_KEY": settings.blind_index_key,
        "DANGOL_ARGON2_TIME_COST": str(settings.argon2_time_cost),
        "DANGOL_ARGON2_MEMORY_KIB": str(settings.argon2_memory_kib),
        "DANGOL_SEED_DEMO": "false",
        "DANGOL_RUN_JOBS": "false",
    }


@asynccontextmanager
async def uvicorn_server(
    settings: Settings, environment: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """Serve the app from a separate uvicorn process; yields its base URL."""
    async with server_process(settings, environment) as (base_url, _process):
        yield base_url


@asynccontextmanager
async def server_process(
    settings: Settings, environment: dict[str, str] | None = None, *, workers: int | None = None
) -> AsyncIterator[tuple[str, subprocess.Popen[bytes]]]:
    """A uvicorn process serving the app (``environment`` added to the settings' own):
    its base URL and the process, for tests that kill it. With ``workers``: ``serve --workers``,
    a supervisor and its worker processes."""
    port = free_port()
    where = ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    command = (
        ["uvicorn", "--factory", "app.main:app", *where]
        if workers is None
        else ["app", "serve", "--workers", str(workers), *where]
    )
    process = subprocess.Popen(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        env={**server_environment(settings), **(environment or {})},
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_SECONDS
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"{base_url}/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError("the server process stopped while starting")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server was not ready within {READY_SECONDS} s")
                await asyncio.sleep(0.05)
        yield base_url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
