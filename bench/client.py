"""The benchmarks' HTTP client: keep-alive HTTP/1.1 connections, one per concurrent caller,
each request written as bytes and its answer read by its Content-Length.

Through httpx the load generator spent about 1.4 ms of CPU per GraphQL request on this 2-core
machine, more than the server's 1.2 ms for a ``customerByPhone``: sharing the cores with the
server and the database, it capped what the benchmarks could see of the server. This client
spends a tenth of that. It speaks only what the benchmarks need of the app's answers.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import orjson

TIMEOUT_S = 30.0


class ApiError(RuntimeError):
    pass


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def exchange(self, request: bytes) -> tuple[int, bytes, bool]:
        """Send ``request``; its answer's status and body, and whether the connection stays open."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        headers = head.lower()
        length = _header(headers, b"content-length")
        if length is not None:
            body = await self.reader.readexactly(int(length))
        elif _header(headers, b"transfer-encoding") == b"chunked":
            body = await self._chunks()
        else:
            raise ApiError(f"an answer without a length: {head[:200]!r}")
        return status, body, _header(headers, b"connection") != b"close"

    async def _chunks(self) -> bytes:
        parts = []
        while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)
        await self.reader.readuntil(b"\r\n")  # no trailers from this app: the last, empty line
        return b"".join(parts)

    def close(self) -> None:
        self.writer.close()


def _header(headers: bytes, name: bytes) -> bytes | None:
    start = headers.find(b"\r\n" + name + b":")
    if start < 0:
        return None
    start += len(name) + 3
    return headers[start : headers.index(b"\r\n", start)].strip()


class ApiClient:
    """JSON posted to one server, over as many connections as callers at once."""

    def __init__(self, base_url: str, *, timeout: float = TIMEOUT_S) -> None:
        url = urlsplit(base_url)
        if url.scheme != "http" or url.hostname is None or url.port is None:
            raise ValueError(f"an http://host:port address, not {base_url!r}")
        self.host, self.port = url.hostname, url.port
        self.timeout = timeout
        self.headers: dict[str, str] = {}
        self._idle: list[_Connection] = []

    async def post_json(self, path: str, body: Any) -> tuple[int, bytes]:
        """The answer's status and body."""
        payload = orjson.dumps(body)
        headers = "".join(f"{name}: {value}\r\n" for name, value in self.headers.items())
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n\r\n"
        ).encode() + payload
        connection = self._idle.pop() if self._idle else await self._connect()
        try:
            async with asyncio.timeout(self.timeout):
                status, content, keep = await connection.exchange(request)
        except BaseException:
            connection.close()
            raise
        if keep:
            self._idle.append(connection)
        else:
            connection.close()
        return status, content

    async def _connect(self) -> _Connection:
        async with asyncio.timeout(self.timeout):
            return _Connection(*await asyncio.open_connection(self.host, self.port))

    async def aclose(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()
