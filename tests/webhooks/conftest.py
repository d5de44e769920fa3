from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from core.settings import Settings
from tests.conftest import base_settings, with_settings
from tests.serving import served
from tests.webhooks.receiver import Receiver


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Receivers listen on 127.0.0.1: the tests allow private addresses, and fail fast."""
    return with_settings(
        base_settings(database_url),
        webhook_allow_private_addresses=True,
        webhook_disable_after_failures=3,
        webhook_timeout_seconds=2,
    )


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    async with served(found.app) as url:
        yield found, url
