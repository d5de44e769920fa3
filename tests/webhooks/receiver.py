"""A partner's receiver for tests: checks every signature, records what came in what order,
and fails, hangs or redirects on demand."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from core.outbound import SIGNATURE_HEADER, verify


@dataclass
class Received:
    event_id: str
    type: str
    attempt: int
    signed: bool
    body: dict[str, Any]


@dataclass
class Receiver:
    secrets: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    fail_next: int = 0
    failing: bool = False
    hang_next: int = 0
    holding: asyncio.Event = field(default_factory=asyncio.Event)
    redirected: int = 0

    @property
    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/hook", self.hook, methods=["POST"]),
                Route("/moved", self.moved, methods=["POST"]),
                Route("/elsewhere", self.elsewhere, methods=["POST"]),
            ]
        )

    async def hook(self, request: Request) -> Response:
        raw = (await request.body()).decode()
        header = request.headers.get(SIGNATURE_HEADER, "")
        signed = any(verify(secret, header, raw) for secret in self.secrets)
        body = json.loads(raw)
        self.received.append(
            Received(
                event_id=request.headers.get("Dangol-Event-Id", ""),
                type=request.headers.get("Dangol-Event-Type", ""),
                attempt=int(request.headers.get("Dangol-Delivery-Attempt", "0")),
                signed=signed,
                body=body,
            )
        )
        if not signed:
            return JSONResponse({"error": "bad signature"}, status_code=400)
        if self.hang_next > 0:
            self.hang_next -= 1
            self.holding.set()
            await asyncio.Event().wait()  # until the connection goes away
        if self.failing or self.fail_next > 0:
            self.fail_next = max(self.fail_next - 1, 0)
            return PlainTextResponse("nope " * 200, status_code=500)
        return PlainTextResponse("ok")

    async def moved(self, request: Request) -> Response:
        return RedirectResponse("/elsewhere", status_code=307)

    async def elsewhere(self, request: Request) -> Response:
        self.redirected += 1
        return PlainTextResponse("ok")

    def event_ids(self) -> list[str]:
        return [item.event_id for item in self.received if item.signed]
