"""The authorization table: each row's callers × targets against the real API."""

from __future__ import annotations

import pytest

from tests.authorization.table import Row, World, all_rows, run_row
from tests.client import Api

ROWS = all_rows()


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
async def test_operation_answers_every_caller_as_the_table_says(api: Api, row: Row) -> None:
    world = await World.build(api)
    failures = await run_row(row, world)
    assert not failures, f"{row.id}:\n  " + "\n  ".join(failures)
