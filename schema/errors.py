"""Typed errors: one GraphQL type per domain error class, derived from its declaration.

A domain ``UserError`` subclass declares its ``code`` and its extra fields once
(``core/errors.py``); its GraphQL type, a member of the result unions that list
it, is made from that declaration here. A mutation's union is declared with
``result(...)``, naming the domain classes it may answer with.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from typing import Annotated, Any, get_args, get_origin

import strawberry
from strawberry import relay
from strawberry.utils.str_converters import to_camel_case

from core import errors as domain
from schema import enums  # noqa: F401  (the enums the error fields name must be registered)
from schema.ids import global_id


@strawberry.interface(name="UserError")
class UserError:
    code: str
    message: str
    field: str | None = None


Convert = Callable[[Any], Any]


def _unchanged(value: Any) -> Any:
    return value


def _graphql_field(hint: Any) -> tuple[Any, Convert, Any]:
    """(GraphQL annotation, converter of the domain value, default) of one declared field."""
    if get_origin(hint) is Annotated:
        refs = [meta for meta in get_args(hint)[1:] if isinstance(meta, domain.NodeRef)]
        if refs:
            type_name = refs[0].type_name

            def to_global_id(value: int | None) -> relay.GlobalID | None:
                return global_id(type_name, value)

            return relay.GlobalID | None, to_global_id, None
        hint = get_args(hint)[0]
    if get_origin(hint) is list:
        return hint, _unchanged, strawberry.field(default_factory=list)
    return hint, _unchanged, None


def graphql_type_of(error: type[domain.UserError]) -> type[UserError]:
    """The GraphQL type of a domain error class, made once."""
    found = _graphql_types.get(error)
    if found is None:
        found = _graphql_types[error] = _derive(error)
    return found


# One type per class. (A dict, not functools.cache: mypy does not see classes as hashable.)
_graphql_types: dict[type[domain.UserError], type[UserError]] = {}


def _derive(error: type[domain.UserError]) -> type[UserError]:
    annotations: dict[str, Any] = {}
    namespace: dict[str, Any] = {"__module__": __name__, "__doc__": error.__doc__}
    for name, hint in error.extra_fields().items():
        annotations[name], _, default = _graphql_field(hint)
        if name.endswith("_"):  # a Python keyword, such as ``from_``
            default = strawberry.field(name=name.rstrip("_"), default=default)
        namespace[name] = default
    namespace["__annotations__"] = annotations
    derived = type(error.__name__, (UserError,), namespace)
    return strawberry.type(derived, name=error.__name__)


def dotted_camel(path: str | None) -> str | None:
    """``lines.0.product_id`` as the client wrote it: ``lines.0.productId``."""
    return None if path is None else ".".join(to_camel_case(part) for part in path.split("."))


def to_graphql(error: domain.UserError) -> UserError:
    error_type = graphql_type_of(type(error))
    values = {}
    for name, hint in type(error).extra_fields().items():
        _, convert, _ = _graphql_field(hint)
        if name in error.extra:
            values[name] = convert(error.extra[name])
    return error_type(
        code=error.code, message=error.message, field=dotted_camel(error.field), **values
    )


@dataclass(frozen=True)
class Result:
    """A mutation's result union: its success type and the domain errors it may answer."""

    name: str
    errors: frozenset[type[domain.UserError]]
    annotation: Any

    def lists(self, error: domain.UserError) -> bool:
        return type(error) in self.errors


def result(name: str, success: type, *errors: type[domain.UserError]) -> Result:
    members = (success, *(graphql_type_of(error) for error in errors))
    # Success | Error1 | ..., made at run time (a value to mypy, not a type it could read).
    union: Any = Annotated[reduce(operator.or_, members), strawberry.union(name)]
    return Result(name=name, errors=frozenset(errors), annotation=union)
