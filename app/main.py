"""The Starlette application."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route, WebSocketRoute

from app.files import file_endpoint
from app.http import BodySizeLimit, GraphQLView, healthz, readyz
from app.jobs import Scheduler, default_jobs
from core.database import close_database, open_database
from core.services import Services
from core.settings import Settings, load_settings
from schema.graph import build_schema


def create_app(settings: Settings | None = None, *, freeze_startup: bool = False) -> Starlette:
    """The application; ``freeze_startup`` (a served process) moves what its startup built out of
    the garbage collector's way once it has started."""
    settings = settings or load_settings()
    services = Services.create(settings)
    view = GraphQLView(services, schema=build_schema(settings))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await open_database(settings.database_url)
        scheduler = Scheduler(default_jobs(settings)) if settings.run_jobs else None
        try:
            await services.policy.sync()
            await services.events.start(settings.database_url)
            if scheduler:
                scheduler.start()
            if freeze_startup:
                # The schema, the policy, Tortoise's models and the imported modules live as long
                # as the process. Frozen, a full collection scans only what requests made since:
                # about 0.5 ms instead of 40-50 ms with them, every few thousand requests.
                gc.collect()
                gc.freeze()
            yield
        finally:
            if scheduler:
                await scheduler.stop()
            await services.events.stop()
            await close_database()

    app = Starlette(
        routes=[
            Route("/graphql", view),
            WebSocketRoute("/graphql", view),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/files/{token}", file_endpoint(services.files), methods=["GET"]),
        ],
        middleware=[Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)],
        lifespan=lifespan,
    )
    app.state.services = services
    return app


def app() -> Starlette:
    """Factory for ``uvicorn --factory app.main:app``."""
    logging.basicConfig(level=logging.INFO)
    logging.getLogger("casbin").setLevel(logging.WARNING)
    return create_app(freeze_startup=True)
