"""A fake message gateway on a real socket: the provider protocol of ``core/messaging.py``,
served by uvicorn on a free loopback port inside the test, with failures on demand."""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.servers import free_port

KEY = "fake-provider-key-0123456789abcdef"


@dataclass
class FakeProvider:
    key: str = KEY
    accepted: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    failures: deque[tuple[int, str]] = field(default_factory=deque)
    refuse: dict[str, tuple[int, str]] = field(default_factory=dict)
    reports: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    delay_seconds: float = 0.0
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _by_reference: dict[str, str] = field(default_factory=dict)

    def fail_next(
        self, times: int, status: int = 503, code: str = "TEMPORARILY_UNAVAILABLE"
    ) -> None:
        self.failures.extend([(status, code)] * times)

    def texts_to(self, phone: str) -> list[str]:
        return [m["text"] for m in self.accepted if m["to"] == phone]

    async def send(self, request: Request) -> JSONResponse:
        self.requests += 1
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return _error(401, "UNAUTHORIZED", "bad key")
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        body = await request.json()
        if self.failures:
            status, code = self.failures.popleft()
            return _error(status, code, f"try later ({body['to']})")
        if body["to"] in self.refuse:
            status, code = self.refuse[body["to"]]
            return _error(status, code, f"recipient {body['to']} refused")
        reference = request.headers.get("idempotency-key") or body["reference"]
        if reference not in self._by_reference:
            self._by_reference[reference] = f"fake-{next(self._ids)}"
            self.accepted.append(body)
        return JSONResponse(
            {"messageId": self._by_reference[reference], "status": "ACCEPTED"}, status_code=202
        )

    async def status(self, request: Request) -> JSONResponse:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return _error(401, "UNAUTHORIZED", "bad key")
        ids = (await request.json())["messageIds"]
        results = []
        for message_id in ids:
            status, code = self.reports.get(message_id, ("DELIVERED", None))
            results.append(
                {"messageId": message_id, "status": status, "code": code, "message": code}
            )
        return JSONResponse({"results": results})

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/messages", self.send, methods=["POST"]),
                Route("/v1/messages/status", self.status, methods=["POST"]),
            ]
        )


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


@asynccontextmanager
async def serving(provider: FakeProvider) -> AsyncIterator[str]:
    """Serve ``provider`` on a free loopback port; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(
        provider.app(), host="127.0.0.1", port=port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.01)
    else:
        raise RuntimeError("the fake provider did not start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
