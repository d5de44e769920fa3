"""Month close run by two server-side processes at once still issues one statement per store."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from core.settings import Settings
from models.settlements import Settlement
from resolvers import settlements
from tests.client import Api
from tests.servers import ROOT, server_environment

CLOSE = """
import asyncio, sys
from datetime import datetime
from core.database import close_database, open_database
from resolvers.settlements import close_months

async def main() -> None:
    await open_database(sys.argv[1])
    try:
        print(await close_months(datetime.fromisoformat(sys.argv[2])))
    finally:
        await close_database()

asyncio.run(main())
"""


async def _close_in_a_process(settings: Settings, at: datetime) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CLOSE,
        settings.database_url,
        at.isoformat(),
        cwd=ROOT,
        env=server_environment(settings),
        stdout=asyncio.subprocess.PIPE,
    )
    out, _ = await process.communicate()
    assert process.returncode == 0
    return int(out.decode().strip().splitlines()[-1])


async def test_two_processes_closing_the_month_at_once_issue_one_statement_each(
    api: Api, settings: Settings
) -> None:
    # given the demo stores' current month, closed an hour after it ends
    period = settlements.current_month(datetime.now(UTC), "Asia/Seoul")
    at = period.ends_at + timedelta(hours=1)
    # when two processes run the month close at the same moment
    issued = await asyncio.gather(
        _close_in_a_process(settings, at), _close_in_a_process(settings, at)
    )
    # then each store has one statement for the month, issued by one of them
    assert sum(issued) == 2
    for store_id in (1, 2):
        assert await Settlement.filter(store_id=store_id, period_start=period.start).count() == 1
