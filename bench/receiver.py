"""``python -m bench.receiver PORT SECRET``: a webhook receiver that checks every signature.

``POST /hook`` answers 200 to a good signature (400 otherwise); ``GET /count`` says how
many came and how many were badly signed.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from core.outbound import SIGNATURE_HEADER, verify


def receiver(secret: str) -> Starlette:
    counts = {"received": 0, "bad": 0}

    async def hook(request: Request) -> Response:
        body = (await request.body()).decode()
        if not verify(secret, request.headers.get(SIGNATURE_HEADER, ""), body):
            counts["bad"] += 1
            return PlainTextResponse("bad signature", status_code=400)
        counts["received"] += 1
        return PlainTextResponse("ok")

    async def count(request: Request) -> Response:
        return JSONResponse(counts)

    return Starlette(
        routes=[Route("/hook", hook, methods=["POST"]), Route("/count", count, methods=["GET"])]
    )


if __name__ == "__main__":
    uvicorn.run(receiver(sys.argv[2]), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
