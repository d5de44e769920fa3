"""Relay connections with keyset cursors."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from types import UnionType
from typing import Any, Generic, TypeVar, get_args, overload

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionNode
from strawberry.types import Info

from core.errors import BadUserInput

T = TypeVar("T")
C = TypeVar("C", bound="Connection[Any]")
DEFAULT_PAGE = 20
MAX_PAGE = 100
MAX_CURSOR_LENGTH = 500


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
    total_count_resolver: strawberry.Private[Callable[[], Any]]

    async def _count(self) -> int:
        return int(await self.total_count_resolver())

    total_count: int = strawberry.field(
        resolver=_count, description="Every item of the list; counted only when asked for."
    )


def encode_cursor(values: Sequence[Any]) -> str:
    """The cursor of a row at ``values`` in its keyset order (ints, strings, aware datetimes)."""
    # Most keys are a count and an id: the JSON json.dumps writes, without its encoder (a page
    # writes a cursor per row).
    if len(values) == 2 and type(values[0]) is int and type(values[1]) is int:
        text = f"[{values[0]}, {values[1]}]"
    elif all(type(value) is int for value in values):
        text = "[" + ", ".join(map(str, values)) + "]"
    else:
        plain = [value.isoformat() if isinstance(value, datetime) else value for value in values]
        text = json.dumps(plain)
    # what base64.urlsafe_b64encode writes, without its two Python-level steps (a page writes one
    # cursor per row)
    return binascii.b2a_base64(text.encode(), newline=False).translate(_URL_SAFE).decode()


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


A = TypeVar("A")
B = TypeVar("B")


@overload
def decode_cursor(after: str | None, shape: tuple[type[A]]) -> tuple[A] | None: ...
@overload
def decode_cursor(after: str | None, shape: tuple[type[A], type[B]]) -> tuple[A, B] | None: ...
@overload
def decode_cursor(after: str | None, shape: tuple[Any, ...]) -> tuple[Any, ...] | None: ...
def decode_cursor(after: str | None, shape: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """The values ``encode_cursor`` put in ``after``, checked against ``shape``.

    ``shape`` names the kind of each value: ``int`` (a 64-bit integer), ``str``, ``datetime``
    (with its offset), or one of them ``| None``. Any other cursor (garbage, a wrong length or
    kind, an out-of-range number) is a ``BAD_USER_INPUT`` naming ``after``.
    """
    if after is None:
        return None
    try:
        if len(after) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        values = json.loads(base64.urlsafe_b64decode(after.encode("ascii")))
        if not isinstance(values, list) or len(values) != len(shape):
            raise ValueError("not a list of the expected length")
        return tuple(_cursor_value(value, kind) for value, kind in zip(values, shape, strict=True))
    except (ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise BadUserInput("The cursor is not one this API gave out.", field="after") from exc


def _cursor_value(value: Any, kind: Any) -> Any:
    kinds = get_args(kind) if isinstance(kind, UnionType) else (kind,)
    if value is None and type(None) in kinds:
        return None
    if int in kinds and type(value) is int and -(2**63) <= value < 2**63:
        return value
    if datetime in kinds and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            return moment.astimezone(UTC)  # OverflowError at the ends of the calendar
    if str in kinds and isinstance(value, str):
        return value
    raise ValueError(f"{value!r} is not {kind}")


def node_fields(info: Info) -> set[str]:
    """The fields asked of a connection's nodes (``edges { node { ... } }``), through fragments.

    For deciding up front what every row will need; a field or fragment under a directive
    (``@skip``, ``@include``) is left out, so a caller must still work when a field is missing
    here. Read from graphql-core's nodes: strawberry's ``selected_fields`` converts the whole
    selection, arguments and all, for the few names needed here.
    """
    return _node_fields(info)[0]


def all_node_fields(info: Info) -> set[str] | None:
    """Every field asked of a connection's nodes, or None when a directive (``@skip``,
    ``@include``) decides part of the connection's selection: then what the rows will be asked
    is not known before them."""
    found, whole = _node_fields(info)
    return found if whole else None


def _node_fields(info: Info) -> tuple[set[str], bool]:
    """The node fields, and whether no directive decides any of them (a directive on a field
    beside the way to them, as ``pageInfo``'s or ``cursor``'s, does not)."""
    fragments = info._raw_info.fragments
    whole = True

    def names(
        selections: Iterable[SelectionNode], leading: str | None
    ) -> Iterator[tuple[str, Iterable[SelectionNode]]]:
        """The fields of a selection through its fragments; ``leading``: the one field at this
        level that leads to the nodes (None: every field is a node's)."""
        nonlocal whole
        for selection in selections:
            if selection.directives:
                beside = isinstance(selection, FieldNode) and selection.name.value != leading
                whole = whole and leading is not None and beside
                continue
            if isinstance(selection, FieldNode):
                under = selection.selection_set
                yield selection.name.value, under.selections if under else ()
            elif isinstance(selection, InlineFragmentNode):
                yield from names(selection.selection_set.selections, leading)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is not None:
                    yield from names(fragment.selection_set.selections, leading)

    found: set[str] = set()
    for connection_node in info._raw_info.field_nodes:
        edges = connection_node.selection_set.selections if connection_node.selection_set else ()
        for edge_field, node in names(edges, "edges"):
            if edge_field == "edges":
                found.update(
                    name
                    for node_field, under in names(node, "node")
                    if node_field == "node"
                    for name, _ in names(under, None)
                )
    return found, whole


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
    total: Callable[[], Any],
) -> C:
    """Build a page from ``size + 1`` rows fetched in keyset order.

    ``total`` counts every row of the list (one ``COUNT``, e.g. a queryset's ``count``); it is
    called only when the client asks for ``totalCount``.
    """
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
