"""One listening socket per server process, so that ``serve --workers N`` spreads its clients.

uvicorn's supervisor binds one socket and every worker accepts from it. asyncio accepts every
connection waiting when its socket wakes it, so a burst of keep-alive clients (a shop's
counters and tablets opening in the morning) lands on the worker that woke first and stays
there: in a test, 8 clients on 2 workers were served 8 and 0 in three starts out of four.
On Linux each worker binds a socket of its own into one ``SO_REUSEPORT`` group instead, and
the kernel hashes each new connection to one of them.
"""

from __future__ import annotations

import contextlib
import socket
import sys
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

# Elsewhere a reuse-port group hands every connection to one socket (macOS, BSD without
# SO_REUSEPORT_LB): uvicorn's shared socket is the better choice there.
SPREADS_CONNECTIONS = sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


class ReusePortListener(socket.socket):
    """A socket bound into the address's reuse-port group. The supervisor keeps one bound but
    never listening (it holds the address and gets no connections); each worker it starts
    receives the listener pickled and binds a socket of its own to the same address."""

    def __reduce__(self) -> tuple[Any, tuple[str, int]]:
        host, port = self.getsockname()[:2]
        return bind_reuse_port, (host, port)


def bind_reuse_port(host: str, port: int) -> ReusePortListener:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = ReusePortListener(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        listener.bind((host, port))
    except OSError:
        listener.close()
        raise
    listener.set_inheritable(True)
    return listener


def serve(app: str, **options: Any) -> None:
    """``uvicorn.run(app, **options)``, with a listener per worker where that spreads clients."""
    if (options.get("workers") or 1) <= 1 or not SPREADS_CONNECTIONS:
        uvicorn.run(app, **options)
        return
    config = uvicorn.Config(app, **options)
    try:
        listener = bind_reuse_port(config.host, config.port)
    except OSError as error:
        sys.exit(f"cannot listen on {config.host}:{config.port}: {error}")
    with listener, contextlib.suppress(KeyboardInterrupt):
        Multiprocess(config, sockets=[listener]).run()
