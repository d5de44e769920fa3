"""Global ids: the one place where a schema id becomes a database id and back."""

from __future__ import annotations

from typing import overload

from strawberry import relay

from core.errors import NotFound


class Absent(Exception):
    """The object is not there (or, to the caller, might as well not be)."""


@overload
def global_id(type_name: str, pk: int) -> relay.GlobalID: ...
@overload
def global_id(type_name: str, pk: int | None) -> relay.GlobalID | None: ...
def global_id(type_name: str, pk: int | None) -> relay.GlobalID | None:
    """The global id of a ``type_name`` row, or None for no row."""
    return None if pk is None else relay.GlobalID(type_name, str(pk))


def decode_id(value: relay.GlobalID | str | None, type_name: str) -> int:
    """The database id inside a global id of ``type_name``; ``Absent`` for anything else."""
    if value is None:
        raise Absent
    try:
        found = value if isinstance(value, relay.GlobalID) else relay.GlobalID.from_id(value)
        if found.type_name != type_name:
            raise Absent
        pk = int(found.node_id)
    except (ValueError, TypeError) as exc:
        raise Absent from exc
    if not 0 < pk < 2**63:
        raise Absent
    return pk


def pk_of(value: relay.GlobalID, type_name: str, *, field: str) -> int:
    """The database id of an argument; a typed ``NotFound`` naming ``field`` otherwise."""
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise NotFound(f"No such {type_name}.", field=field) from exc


def optional_pk_of(value: relay.GlobalID | None, type_name: str, *, field: str) -> int | None:
    return None if value is None else pk_of(value, type_name, field=field)
