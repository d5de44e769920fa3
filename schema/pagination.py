"""Relay connections with keyset cursors."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry

from core.errors import BadUserInput

T = TypeVar("T")
C = TypeVar("C", bound="Connection[Any]")
DEFAULT_PAGE = 20
MAX_PAGE = 100


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count_resolver: strawberry.Private[Callable[[], Any] | None] = None

    async def _count(self) -> int | None:
        if self.total_count_resolver is None:
            return None
        return int(await self.total_count_resolver())

    total_count: int | None = strawberry.field(
        resolver=_count, description="Counted only when asked for."
    )


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode()


def decode_cursor(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, TypeError) as exc:
        raise BadUserInput("The cursor is not one this API gave out.", field="after") from exc
    if not isinstance(values, list):
        raise BadUserInput("The cursor is not one this API gave out.", field="after")
    return values


def page_size(first: int | None) -> int:
    size = DEFAULT_PAGE if first is None else first
    if size < 1 or size > MAX_PAGE:
        raise BadUserInput(f"first must be between 1 and {MAX_PAGE}.", field="first")
    return size


def connection(
    cls: type[C],
    rows: Sequence[Any],
    size: int,
    *,
    key: Callable[[Any], Sequence[Any]],
    node: Callable[[Any], Any],
    has_previous: bool,
    total: Callable[[], Any] | None = None,
) -> C:
    """Build a page from ``size + 1`` rows fetched in keyset order."""
    page = list(rows[:size])
    edges = [Edge(cursor=encode_cursor(key(row)), node=node(row)) for row in page]
    return cls(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=has_previous,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count_resolver=total,
    )
