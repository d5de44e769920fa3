"""Another request on the event loop, counting the turns it gets: a statement that held the
loop while it ran leaves it none."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager


@asynccontextmanager
async def other_request_turns() -> AsyncIterator[Callable[[], int]]:
    """Yields how many turns the other request has had since the block began."""
    turns = 0

    async def other_request() -> None:
        nonlocal turns
        while True:
            await asyncio.sleep(0)
            turns += 1

    other = asyncio.create_task(other_request())
    await asyncio.sleep(0)
    before = turns
    try:
        yield lambda: turns - before
    finally:
        other.cancel()
