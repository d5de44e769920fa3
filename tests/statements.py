"""Count the SQL statements sent through the default Tortoise connection."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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
