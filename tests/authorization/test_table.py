"""The authorization table: each row's callers × targets against the real API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.authorization.table import Row, World, all_rows, run_row
from tests.client import Api

ROWS = [row for row in all_rows() if not row.shape.subscription]
SUBSCRIPTION_ROWS = [row for row in all_rows() if row.shape.subscription]


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_operation_answers_every_caller_as_the_table_says(api: Api, row: Row) -> None:
    world = await World.build(api)
    failures = await run_row(row, world)
    assert not failures, f"{row.id}:\n  " + "\n  ".join(failures)


@pytest.mark.parametrize("row", SUBSCRIPTION_ROWS, ids=[row.id for row in SUBSCRIPTION_ROWS])
async def test_subscription_answers_every_caller_as_the_table_says(
    api: Api, app: Any, live_url: str, row: Row
) -> None:
    world = await World.build(api)
    world.live = (live_url, app.state.services)
    failures = await run_row(row, world)
    assert not failures, f"{row.id}:\n  " + "\n  ".join(failures)
