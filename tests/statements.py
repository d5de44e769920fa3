"""Count the SQL statements sent through the default Tortoise connection, or record every
statement a request sends (``recorded``)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any

from tortoise import connections

EXECUTE_METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@contextmanager
def statements() -> Iterator[list[str]]:
    """The statements executed inside the block, in order."""
    connection = connections.get("default")
    seen: list[str] = []

    def counted(method: Any) -> Any:
        @wraps(method)
        async def run(query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query)
            return await method(query, *args, **kwargs)

        return run

    for name in EXECUTE_METHODS:
        setattr(connection, name, counted(getattr(connection, name)))
    try:
        yield seen
    finally:
        for name in EXECUTE_METHODS:
            delattr(connection, name)


_RECORDING: ContextVar[list[tuple[str, Any]] | None] = ContextVar("recording", default=None)


class _Recorder(logging.Handler):
    """Every statement Tortoise logs (it logs each one, with its values, before sending it),
    kept only when sent from the recording context: background tasks are left out."""

    def emit(self, record: logging.LogRecord) -> None:
        seen = _RECORDING.get()
        if seen is not None and record.args and len(record.args) == 2:
            query, values = record.args
            seen.append((str(query), values))


@contextmanager
def recorded() -> Iterator[list[tuple[str, Any]]]:
    """The statements (with their values) sent inside the block by this task and the tasks it
    starts, through any connection or transaction of Tortoise."""
    logger = logging.getLogger("tortoise.db_client")
    handler, level = _Recorder(logging.DEBUG), logger.level
    seen: list[tuple[str, Any]] = []
    token = _RECORDING.set(seen)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield seen
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        _RECORDING.reset(token)
