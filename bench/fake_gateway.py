"""A fake message gateway for the messages benchmark: the provider protocol of
``core/messaging.py``, answering at once (``uvicorn bench.fake_gateway:app``)."""

from __future__ import annotations

import itertools

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

_ids = itertools.count(1)


async def send(request: Request) -> JSONResponse:
    await request.json()
    return JSONResponse({"messageId": f"bench-{next(_ids)}", "status": "ACCEPTED"}, status_code=202)


async def status(request: Request) -> JSONResponse:
    ids = (await request.json())["messageIds"]
    return JSONResponse({"results": [{"messageId": i, "status": "DELIVERED"} for i in ids]})


app = Starlette(
    routes=[
        Route("/v1/messages", send, methods=["POST"]),
        Route("/v1/messages/status", status, methods=["POST"]),
    ]
)
