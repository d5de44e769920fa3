"""Record every statement a request sends (``recorded``): its SQL text and its values."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

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
