from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.messages.fake_provider import FakeProvider, serving


@pytest.fixture
async def fake_provider() -> AsyncIterator[tuple[FakeProvider, str]]:
    provider = FakeProvider()
    async with serving(provider) as base_url:
        yield provider, base_url
