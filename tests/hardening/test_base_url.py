"""The base URL a request's context carries (file links are written from it) is Starlette's."""

from __future__ import annotations

import pytest
from starlette.requests import HTTPConnection

from app.http import base_url_of


@pytest.mark.parametrize(
    ("scheme", "server", "host", "root_path"),
    [
        ("http", ("127.0.0.1", 8000), "127.0.0.1:8000", ""),
        ("https", ("10.0.0.5", 443), "dangol.example", "/api"),
        ("http", ("10.0.0.5", 80), None, ""),
        ("http", ("10.0.0.5", 8080), None, "/partner/"),
        ("https", None, "[::1]:8443", ""),
        ("wss", ("127.0.0.1", 443), "live.dangol.example", ""),
    ],
)
def test_the_base_url_is_starlettes(
    scheme: str, server: tuple[str, int] | None, host: str | None, root_path: str
) -> None:
    # given
    scope = {
        "type": "websocket" if scheme.startswith("ws") else "http",
        "scheme": scheme,
        "server": server,
        "path": "/graphql",
        "root_path": root_path,
        "query_string": b"a=1",
        "headers": [] if host is None else [(b"host", host.encode())],
    }
    # when
    found = [base_url_of(HTTPConnection(scope)) for _ in range(2)]  # written, then kept
    # then
    assert found == [str(HTTPConnection(scope).base_url).rstrip("/")] * 2
