"""A ``graphql-transport-ws`` client over a real socket (the ``websockets`` package), by hand.

The protocol (github.com/enisdenjo/graphql-ws, PROTOCOL.md): ``connection_init`` with
the payload, ``connection_ack``; then ``subscribe`` / ``next`` / ``error`` /
``complete`` per operation id, and ``ping`` / ``pong`` either way.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")


class Refused(Exception):
    """The server closed the socket instead of acknowledging the connection."""

    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"{code} {reason}")
        self.code = code
        self.reason = reason


class GraphQLSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection
        self._ids = 0

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 10.0) -> dict[str, Any]:
        """The next message; ``Refused`` when the server closes the socket instead."""
        try:
            raw = await asyncio.wait_for(self.connection.recv(), timeout)
        except ConnectionClosed as closed:
            frame = closed.rcvd
            raise Refused(frame.code if frame else None, frame.reason if frame else "") from None
        message: dict[str, Any] = json.loads(raw)
        return message

    async def subscribe(self, query: str, variables: dict[str, Any] | None = None) -> str:
        self._ids += 1
        operation_id = str(self._ids)
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables or {}},
            }
        )
        return operation_id

    async def complete(self, operation_id: str) -> None:
        await self.send({"id": operation_id, "type": "complete"})

    async def ping(self) -> None:
        await self.send({"type": "ping"})


@asynccontextmanager
async def graphql_socket(
    url: str, token: str | None, *, payload: dict[str, Any] | None = None
) -> AsyncIterator[GraphQLSocket]:
    """A socket past ``connection_ack`` (``Refused`` if the server will not have it)."""
    async with connect(url, subprotocols=[PROTOCOL], compression=None, proxy=None) as connection:
        socket = GraphQLSocket(connection)
        init = (
            payload
            if payload is not None
            else ({"authorization": f"Bearer {token}"} if token else {})
        )
        await socket.send({"type": "connection_init", "payload": init})
        ack = await socket.receive()
        if ack.get("type") != "connection_ack":
            raise AssertionError(f"expected connection_ack, got {ack}")
        yield socket


def ws_url(base_url: str) -> str:
    return base_url.replace("http", "ws", 1) + "/graphql"
