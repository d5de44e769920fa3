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

    pending = asyncio.ensure_future(loaders.once("reveal", compute))  # a field asking
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

    failing = asyncio.ensure_future(loaders.once("failing", fail))
    cancelled = asyncio.ensure_future(loaders.once("cancelled", forever))
    await asyncio.sleep(0)
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


async def test_fields_asking_at_once_share_one_computation_and_its_error() -> None:
    # given
    loaders = Loaders()
    calls: list[str] = []

    async def compute() -> int:
        calls.append("compute")
        await asyncio.sleep(0)
        return 7

    async def fail() -> int:
        calls.append("fail")
        await asyncio.sleep(0)
        raise ValueError("no")

    # when three fields ask at once, then one more, for each
    computed = await asyncio.gather(*(loaders.once("k", compute) for _ in range(3)))
    later = await loaders.once("k", compute)
    failed = await asyncio.gather(
        *(loaders.once("f", fail) for _ in range(3)), return_exceptions=True
    )
    with pytest.raises(ValueError):
        await loaders.once("f", fail)
    # then each computed once, and every asker got its answer or its error
    assert computed == [7, 7, 7] and later == 7
    assert all(isinstance(error, ValueError) for error in failed)
    assert calls == ["compute", "fail"]
