"""How an operation finds the store it acts in: from the object it touches, never from a guess.

A scope returns the store's id, ``PLATFORM`` for platform-wide operations, or
raises ``Absent`` when the object does not exist.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from tortoise.models import Model

from core.context import Context
from models.stores import Store as StoreModel
from schema.ids import Absent, decode_id

PLATFORM = None
Scope = Callable[[Any, dict[str, Any], Context], Awaitable[int | None]]


def _input_value(kwargs: dict[str, Any], path: str) -> Any:
    value: Any = kwargs
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    return value


async def _platform(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
    return PLATFORM


def platform() -> Scope:
    """For platform-wide operations: no store."""
    return _platform


def source_store() -> Scope:
    """For fields of ``Store``: the store itself."""

    async def scope(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
        return int(source.id)

    return scope


def store_id_at(path: str, *, optional: bool = False) -> Scope:
    """A Store global id in the arguments, e.g. ``"id"`` or ``"input.store_id"``."""

    async def scope(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
        value = _input_value(kwargs, path)
        if value is None and optional:
            return PLATFORM
        store_id = decode_id(value, "Store")
        if await ctx.loaders.rows(StoreModel).load(store_id) is None:
            raise Absent
        return store_id

    return scope


def owner_store_of(path: str, model: type[Model], type_name: str) -> Scope:
    """The store of the object whose global id is at ``path``."""

    async def scope(source: Any, kwargs: dict[str, Any], ctx: Context) -> int | None:
        object_id = decode_id(_input_value(kwargs, path), type_name)
        found = await ctx.loaders.store_of(model, object_id)
        if found is None:
            raise Absent
        return found

    return scope
