"""Counting the SQL statements a request sends, by wrapping the connection's execute methods."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tortoise import connections

METHODS = ("execute_query", "execute_query_dict", "execute_insert", "execute_many")


@contextmanager
def counted_statements() -> Iterator[list[str]]:
    client_class = type(connections.get("default"))
    seen: list[str] = []
    originals = {name: getattr(client_class, name) for name in METHODS}

    def wrap(name: str) -> Any:
        original = originals[name]

        async def counting(self: Any, query: str, *args: Any, **kwargs: Any) -> Any:
            seen.append(query)
            return await original(self, query, *args, **kwargs)

        return counting

    for name in METHODS:
        setattr(client_class, name, wrap(name))
    try:
        yield seen
    finally:
        for name, original in originals.items():
            setattr(client_class, name, original)
