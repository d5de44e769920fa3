"""A served process moves what its startup built out of the garbage collector's way (a full
collection scanned it all: 40-50 ms every few thousand requests); the app it serves still works."""

from __future__ import annotations

import gc

from httpx import ASGITransport, AsyncClient

from app.main import create_app
from core.settings import Settings
from tests.client import Api


async def test_a_served_process_freezes_what_its_startup_built(settings: Settings) -> None:
    # given
    app = create_app(settings, freeze_startup=True)
    assert gc.get_freeze_count() == 0
    try:
        # when it has started
        async with app.router.lifespan_context(app):
            frozen = gc.get_freeze_count()
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as client:
                token = await Api(client).token("owner1@dangol.test")
                me = await Api(client).data("{ me { account { email } } }", token=token)
        # then its startup objects are frozen, and it answers
        assert frozen > 10_000
        assert me["me"]["account"]["email"] == "owner1@dangol.test"
    finally:
        gc.unfreeze()


async def test_the_tests_apps_freeze_nothing(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert gc.get_freeze_count() == 0
