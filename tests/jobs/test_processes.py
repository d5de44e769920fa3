"""The jobs as they run for real: inside the served app, and as ``python -m app worker``."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
from pathlib import Path

from app.main import create_app
from core.database import close_database, open_database
from core.settings import Settings
from models.outbox import OutboxMessage
from tests.conftest import with_settings
from tests.outbox.helpers import queue_messages
from tests.servers import ROOT, server_environment


async def _wait_until_delivered(message_id: int) -> bool:
    for _ in range(300):
        if await OutboxMessage.filter(id=message_id).exclude(delivered_at=None).exists():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_app_runs_the_jobs_in_its_lifespan_when_asked(settings: Settings) -> None:
    application = create_app(with_settings(settings, run_jobs=True, outbox_interval_seconds=1))

    async with application.router.lifespan_context(application):
        [message_id] = await queue_messages(1)
        delivered = await _wait_until_delivered(message_id)

    assert delivered


async def test_the_worker_command_runs_jobs_and_stops_on_sigterm(
    settings: Settings, tmp_path: Path
) -> None:
    # given a due message
    await open_database(settings.database_url)
    try:
        [message_id] = await queue_messages(1, kind="worker.hello")
    finally:
        await close_database()
    log = tmp_path / "worker.log"

    # when the worker runs
    with log.open("w") as output:
        environment = {**server_environment(settings), "DANGOL_OUTBOX_INTERVAL_SECONDS": "1"}
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "worker"],
            cwd=ROOT,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(400):
                if "worker.hello" in log.read_text() or process.poll() is not None:
                    break
                await asyncio.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            returncode = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()

    # then it delivered the message and stopped cleanly
    text = log.read_text()
    assert returncode == 0, text
    assert f'"message_id": {message_id}' in text and "dangol.notifications" in text
    assert "worker stopped" in text
    await open_database(settings.database_url)
    try:
        message = await OutboxMessage.get(id=message_id)
    finally:
        await close_database()
    assert message.delivered_at is not None
