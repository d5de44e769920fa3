"""What a request computed once is there for the fields that ask without waiting
(``Loaders.decided``, asked by each name and phone of a page)."""

from __future__ import annotations

import asyncio

import pytest

from core.context import Loaders


async def test_a_computed_value_is_decided_once_it_is_done() -> None:
    # given a value being computed
    loaders = Loaders()
    release = asyncio.Event()

    async def compute() -> str:
        await release.wait()
        return "shown"

    pending = loaders.once("reveal", compute)
    await asyncio.sleep(0)
    # then: not decided while it runs, decided once it has been awaited
    assert loaders.decided("reveal") is None
    release.set()
    assert await pending == "shown"
    assert loaders.decided("reveal") == "shown"
    assert loaders.decided("another") is None


async def test_a_failed_or_cancelled_computation_is_never_decided() -> None:
    # given one computation that fails and one that is cancelled
    loaders = Loaders()

    async def fail() -> bool:
        raise ValueError("no")

    async def forever() -> bool:
        await asyncio.Event().wait()
        return True

    failing = loaders.once("failing", fail)
    cancelled = loaders.once("cancelled", forever)
    await asyncio.sleep(0)
    assert isinstance(cancelled, asyncio.Future)
    cancelled.cancel()
    # when they have ended
    with pytest.raises(ValueError):
        await failing
    with pytest.raises(asyncio.CancelledError):
        await cancelled
    await asyncio.sleep(0)
    # then neither is decided
    assert loaders.decided("failing") is None
    assert loaders.decided("cancelled") is None
