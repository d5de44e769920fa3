"""Execution that reads plain fields directly and calls plain resolvers without wrappers.

Most fields of a page are plain: strawberry answers them by reading an attribute (no resolver,
no extension, no argument). graphql-core still gives each one its own resolve info, resolver
call and completion steps, which costs several times the read itself and, on a 50-row page, more
than the page's SQL. Here such a field is read and coerced in place. Anything off the happy path
(a null where a value is promised, a value its type refuses, an error) goes through graphql-core's
own steps, so answers and errors are the same as without this. A list of objects read from an
attribute (a connection's edges) is completed item by item the same way. An object whose whole
selection is such reads (a connection's edge, its node and the node's objects) is completed by one
plan made once per request (``_Plan``), a call per field instead of the steps per object.

``lean_resolvers`` does the same for resolvers that take no argument: strawberry's wrappers
(argument conversion, field extensions, exception handlers) have nothing to do for them. Such a
resolver is called in place too, with the resolve info graphql-core would give it, and its value
completed as above; an error it raises is handled as graphql-core handles it. A resolver that
reads nothing of its info but the context (``reads_only_context``), and a relay node's ``id``,
are called without building a resolve info at all (a page built one per row for each).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from inspect import Parameter, isawaitable, iscoroutine, signature
from operator import attrgetter
from typing import Any, TypeVar, cast
from weakref import WeakKeyDictionary

import strawberry
from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    GraphQLSchema,
    Undefined,
    is_leaf_type,
    is_object_type,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from graphql.execution.executor import to_nodes
from graphql.pyutils import AwaitableOrValue, Path, gather_with_cancel
from strawberry import relay
from strawberry.execution.is_awaitable import optimized_is_awaitable
from strawberry.relay.utils import to_base64
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types import Info
from strawberry.types.base import get_object_definition
from strawberry.types.field import StrawberryField

DEFINITION_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
# marks the resolvers ``lean_resolvers`` made, which the execution calls in place
LEAN = "_dangol_lean"
# on such a resolver: ``read(source, only_context)``, its value without a resolve info, given the
# execution's one ``_OnlyContext`` (``Undefined``: this source is left to the resolver itself)
CONTEXT_READ = "_dangol_context_read"
# on a resolver function: it reads nothing of its info but ``info.context``
READS_ONLY_CONTEXT = "_dangol_reads_only_context"

F = TypeVar("F", bound=Callable[..., Any])


def reads_only_context(resolver: F) -> F:
    """Mark a resolver ``(self, info)`` that uses nothing of ``info`` but ``info.context``: the
    execution may then call it with an info that holds only the context."""
    setattr(resolver, READS_ONLY_CONTEXT, True)
    return resolver


@dataclass(frozen=True, slots=True)
class _OnlyContext:
    """What a ``reads_only_context`` resolver is given as its info."""

    context: Any


@dataclass(frozen=True, slots=True)
class _Plain:
    """How to read one plain field: its attribute reader or lean resolver, and the type its
    value completes to."""

    definition: GraphQLField
    # ``read(source)`` for an attribute; ``read(source, info)`` for a lean resolver
    read: Any
    field_type: GraphQLOutputType
    nullable: bool
    leaf: GraphQLLeafType | None
    object_type: GraphQLObjectType | None
    resolves: bool
    # for a lean resolver that needs no resolve info: see CONTEXT_READ
    context_read: Callable[[Any, Any], Any] | None = None
    # for a list of objects read from an attribute: the item type (maybe non-null) and its object
    item_type: GraphQLOutputType | None = None
    item_object: GraphQLObjectType | None = None
    # for a leaf, or a list of leaves, read from an attribute: ``leaf_value(source)``, its
    # completed value
    leaf_value: Callable[[Any], Any] | None = None


# A selection of an object type, field by field: the response key, its field nodes, how to read
# it when it is plain (None: graphql-core's steps), and its leaf_value if it has one.
_Step = tuple[str, FieldDetailsList, _Plain | None, Callable[[Any], Any] | None]


def _plain(field_def: GraphQLField | None) -> _Plain | None:
    if field_def is None or field_def.args or field_def.resolve is None:
        return None
    resolve = field_def.resolve
    # strawberry marks the resolver it gives a field that only reads an attribute
    if getattr(resolve, "_is_default", False):
        read, resolves = _attribute_reader(field_def), False
    elif getattr(resolve, LEAN, False):
        read, resolves = resolve, True
    else:
        return None
    context_read = getattr(resolve, CONTEXT_READ, None)
    field_type = field_def.type
    nullable = not isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    leaf = inner if is_leaf_type(inner) else None
    object_type = inner if is_object_type(inner) else None
    item_type, item_object = _items_of(inner)
    leaves = _list_kind(inner) if isinstance(inner, GraphQLList) else None
    if not isinstance(leaves, _Leaves):
        leaves = None
    if (
        leaf is None
        and object_type is None
        and item_object is None
        and leaves is None
        and not resolves
    ):
        return None  # an abstract type or a list of others read from an attribute
    if resolves:
        item_type = item_object = None  # a resolver's list: graphql-core's steps
    leaf_value = None
    if not resolves and leaf is not None:
        leaf_value = _leaf_value(read, leaf, nullable)
    elif not resolves and leaves is not None:
        leaf_value = _leaves_value(read, leaves, nullable)
    return _Plain(
        field_def,
        read,
        field_type,
        nullable,
        leaf,
        object_type,
        resolves,
        context_read,
        item_type,
        item_object,
        leaf_value,
    )


def _leaf_value(
    read: Callable[[Any], Any], leaf: GraphQLLeafType, nullable: bool, *, calls: bool = False
) -> Callable[[Any], Any]:
    """An attribute's completed value, or ``Undefined`` to leave it to graphql-core (which reads
    it again and tells the error): the steps of ``complete_leaf_value``, in one call. ``calls``:
    ``read`` calls a resolver, whose awaited value is left to the steps (which call it again)."""
    coerce = leaf.coerce_output_value

    def leaf_value(source: Any) -> Any:
        try:
            value = read(source)
            if value is None:
                return None if nullable else Undefined
            if value is Undefined or isinstance(value, Exception):
                return Undefined
            # graphql-core awaits an awaitable first (String would write it as its str())
            if optimized_is_awaitable(value):
                if calls and iscoroutine(value):
                    value.close()  # never started: the steps call the resolver again
                return Undefined
            coerced = coerce(value)
        except Exception:
            return Undefined
        return Undefined if coerced is None else coerced

    return leaf_value


def _leaves_value(
    read: Callable[[Any], Any], leaves: _Leaves, nullable: bool
) -> Callable[[Any], Any]:
    """An attribute's list of leaves, completed (``_Leaves``), or ``Undefined`` to leave it to
    graphql-core's steps."""

    def leaves_value(source: Any) -> Any:
        try:
            value = read(source)
        except Exception:
            return Undefined
        if value is None:
            return None if nullable else Undefined
        if type(value) is not list:
            return Undefined
        return leaves.completed(value)

    return leaves_value


def _items_of(field_type: GraphQLOutputType) -> tuple[GraphQLOutputType | None, Any]:
    """For a list of objects whose type is checked without a resolve info (or not at all): the
    item type and its object type."""
    if not isinstance(field_type, GraphQLList):
        return None, None
    item_type = field_type.of_type
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    if not is_object_type(inner) or not _checks_without_info(inner):
        return None, None
    return item_type, inner


def _checks_without_info(object_type: GraphQLObjectType) -> bool:
    """Whether the type's ``is_type_of`` is absent or the one strawberry writes for a type with
    interfaces, which reads nothing of its resolve info."""
    is_type_of = object_type.is_type_of
    return is_type_of is None or (
        getattr(is_type_of, "__module__", None) == GraphQLCoreConverter.__module__
        and getattr(is_type_of, "__qualname__", None) in _STRAWBERRY_IS_TYPE_OF
    )


# what such an ``is_type_of`` is given as its info
_UNREAD = cast("GraphQLResolveInfo[Any]", None)
_STRAWBERRY_IS_TYPE_OF = {
    "GraphQLCoreConverter.from_object.<locals>._get_is_type_of.<locals>.is_type_of",
    "GraphQLCoreConverter._get_is_type_of.<locals>.is_type_of",
}


def _attribute_reader(field_def: GraphQLField) -> Callable[[Any], Any]:
    """What strawberry's resolver of a plain field returns, without its two calls per read."""
    definition = (field_def.extensions or {}).get(DEFINITION_BACKREF)
    if isinstance(definition, StrawberryField) and definition.default_resolver is getattr:
        return attrgetter(definition.python_name)
    resolve = field_def.resolve
    assert resolve is not None
    return lambda source: resolve(source, None)


# An object's selection completed in one call: its dict of completed values, or ``Undefined``
# when one of its fields is off the happy path (the object then goes through the steps above,
# which read it again and give the answer or error graphql-core gives). Only for selections
# whose every field may be read twice: a leaf read from an attribute, a leaf of a resolver that
# reads nothing but its object and the context (``CONTEXT_READ``; an awaitable it returns is
# closed unstarted), or an object read from an attribute that has such a plan itself.
_Plan = Callable[[Any], Any]


def _plan(readers: list[tuple[str, Callable[[Any], Any]]]) -> _Plan:
    def completed(source: Any) -> Any:
        values: dict[str, Any] = {}
        for name, read in readers:
            value = read(source)
            if value is Undefined:
                return Undefined
            values[name] = value
        return values

    return completed


def _context_leaf(plain: _Plain, only_context: _OnlyContext) -> Callable[[Any], Any]:
    """A context read's completed leaf."""
    context_read, leaf = plain.context_read, plain.leaf
    assert context_read is not None and leaf is not None
    return _leaf_value(
        lambda source: context_read(source, only_context), leaf, plain.nullable, calls=True
    )


def _planned_object(plain: _Plain, inner: _Plan) -> Callable[[Any], Any]:
    """An object read from an attribute, completed by its plan."""
    read, nullable = plain.read, plain.nullable
    assert plain.object_type is not None
    is_type_of = plain.object_type.is_type_of

    def object_value(source: Any) -> Any:
        try:
            value = read(source)
            if value is None:
                return None if nullable else Undefined
            if value is Undefined or isinstance(value, Exception):
                return Undefined
            if is_type_of is not None:
                fits = is_type_of(value, _UNREAD)
                if fits is not True:
                    if iscoroutine(fits):
                        fits.close()
                    return Undefined
        except Exception:
            return Undefined
        return inner(value)

    return object_value


@dataclass(frozen=True, slots=True)
class _Leaves:
    """A list of leaves, coerced in place."""

    leaf: GraphQLLeafType
    nullable: bool

    def completed(self, items: list[Any]) -> Any:
        """The coerced items, or ``Undefined`` when one is off the happy path (a null the type
        refuses, a value it refuses, an error, an awaitable, which graphql-core awaits first):
        its steps then give the answer or the error."""
        coerce = self.leaf.coerce_output_value
        completed: list[Any] = []
        try:
            for item in items:
                if item is None:
                    if not self.nullable:
                        return Undefined
                    completed.append(None)
                    continue
                if item is Undefined or isinstance(item, Exception) or optimized_is_awaitable(item):
                    return Undefined
                coerced = coerce(item)
                if coerced is None or coerced is Undefined:
                    return Undefined
                completed.append(coerced)
        except Exception:
            return Undefined
        return completed


_LIST_KINDS: WeakKeyDictionary[GraphQLList[Any], _Leaves | tuple[Any, Any] | None] = (
    WeakKeyDictionary()
)


def _list_kind(list_type: GraphQLList[Any]) -> _Leaves | tuple[Any, Any] | None:
    """How a list type's items complete in place: ``_Leaves``, (item type, object type) for
    objects ``_objects`` completes, or None (graphql-core's steps)."""
    if list_type in _LIST_KINDS:
        return _LIST_KINDS[list_type]
    item_type = list_type.of_type
    inner = item_type.of_type if isinstance(item_type, GraphQLNonNull) else item_type
    kind: _Leaves | tuple[Any, Any] | None = None
    if is_leaf_type(inner):
        kind = _Leaves(inner, not isinstance(item_type, GraphQLNonNull))
    else:
        items, object_type = _items_of(list_type)
        if object_type is not None:
            kind = (items, object_type)
    _LIST_KINDS[list_type] = kind
    return kind


# Per schema: how each (type, field) reads, decided once for every request.
_PLAIN: WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], _Plain | None]] = WeakKeyDictionary()


def _plain_of(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, details: FieldDetailsList
) -> _Plain | None:
    node = details[0].node
    if node.arguments:
        return None
    fields = _PLAIN.get(schema)
    if fields is None:
        fields = _PLAIN[schema] = {}
    key = (parent_type.name, node.name.value)
    if key not in fields:
        fields[key] = _plain(schema.get_field(parent_type, node.name.value))
    return fields[key]


class PlainFieldsExecution(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with plain fields read in place."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # keyed by the grouped field set's id; graphql-core memoizes those per selection, and
        # the set is kept here too, so its id cannot be reused while this execution runs
        self._steps: dict[int, tuple[GroupedFieldSet, list[_Step]]] = {}
        self._plans: dict[int, tuple[GroupedFieldSet, _Plan | None]] = {}
        self._only_context = _OnlyContext(self.context_value)

    def _steps_of(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> list[_Step]:
        kept = self._steps.get(id(grouped_field_set))
        if kept is not None:
            return kept[1]
        steps: list[_Step] = []
        for name, details in grouped_field_set.items():
            plain = _plain_of(self.schema, parent_type, details)
            leaves = plain is not None and plain.leaf is None and plain.leaf_value is not None
            if leaves and any(field.node.directives for field in details):  # a list's @stream
                plain = None
            steps.append((name, details, plain, plain.leaf_value if plain else None))
        self._steps[id(grouped_field_set)] = (grouped_field_set, steps)
        return steps

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> AwaitableOrValue[dict[str, Any]]:
        if self._has_middleware():
            # a middleware wraps every resolver, these reads included
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        results: dict[str, Any] = {}
        pending: list[str] = []
        try:
            for name, details, plain, leaf_value in self._steps_of(parent_type, grouped_field_set):
                if leaf_value is not None:
                    result = leaf_value(source_value)
                    if result is not Undefined:  # a leaf's value: never awaited
                        results[name] = result
                        continue
                if plain is not None and plain.resolves:
                    result = self._resolved(
                        plain, details, parent_type, source_value, path, name, position_context
                    )
                else:
                    # the path is built here only: a leaf or a context read needs none
                    field_path = Path(path, name, parent_type.name)
                    result = Undefined
                    if plain is not None and leaf_value is None:
                        result = self._read(
                            plain, details, parent_type, source_value, field_path, position_context
                        )
                    if result is Undefined:
                        result = self.execute_field(
                            parent_type, source_value, details, field_path, position_context
                        )
                if result is not Undefined:
                    results[name] = result
                    if self.is_awaitable(result):
                        pending.append(name)
        except Exception:
            if pending:
                self.settle_in_background([results[name] for name in pending])
            raise
        if not pending:
            return results
        return self._gathered(results, pending)

    def _read(
        self,
        plain: _Plain,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        source: Any,
        field_path: Path,
        position_context: Any,
    ) -> Any:
        """An object or a list of objects read from an attribute, completed; ``Undefined`` to
        leave it to graphql-core."""
        try:
            value = plain.read(source)
        except Exception:
            return Undefined
        if value is None:
            return None if plain.nullable else Undefined
        if value is Undefined or isinstance(value, Exception):
            return Undefined
        if plain.item_object is not None:
            return self._listed(plain, details, field_path, value, position_context)
        object_type = plain.object_type
        assert object_type is not None
        if object_type.is_type_of is not None and not self._fits(
            plain, details, parent_type, field_path, value
        ):
            return Undefined
        plan = self._plan_for(object_type, details, position_context)
        if plan is not None:
            planned = plan(value)
            if planned is not Undefined:
                return planned
        try:
            completed = self.collect_and_execute_subfields(
                object_type, details, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plain.field_type, details, field_path)
            return None
        return self._settled(completed, plain, details, field_path)

    def _listed(
        self,
        plain: _Plain,
        details: FieldDetailsList,
        field_path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        """A list of objects read from an attribute, completed by ``_objects``; its error handled
        as graphql-core handles a field's."""
        assert plain.item_type is not None and plain.item_object is not None
        try:
            completed = self._objects(
                plain.item_type, plain.item_object, details, field_path, items, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, plain.field_type, details, field_path)
            return None
        return self._settled(completed, plain, details, field_path)

    def _objects(
        self,
        item_type: GraphQLOutputType,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        field_path: Path,
        items: Any,
        position_context: Any,
    ) -> Any:
        """A list of objects completed item by item as graphql-core's ``complete_list_value``
        does, without its per-item steps; ``Undefined`` for a list it must see (not a list, a
        null or an object of another type among the items, ``@stream``). Raises what the list's
        completion raises."""
        if type(items) is not list or any(field.node.directives for field in details):
            return Undefined
        is_type_of = object_type.is_type_of
        try:
            if any(
                item is None
                or isinstance(item, Exception)  # graphql-core raises it
                or (is_type_of is not None and is_type_of(item, _UNREAD) is not True)
                for item in items
            ):
                return Undefined
        except Exception:
            return Undefined
        plan = self._plan_for(object_type, details, position_context)
        completed: list[Any] = []
        awaited: list[int] = []
        try:
            for index, item in enumerate(items):
                if plan is not None:
                    value = plan(item)
                    if value is not Undefined:
                        completed.append(value)
                        continue
                item_path = Path(field_path, index, None)
                try:
                    value = self.collect_and_execute_subfields(
                        object_type, details, item_path, item, position_context
                    )
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item_type, details, item_path)
                    value = None
                else:
                    if self.is_awaitable(value):
                        value = self._completed(value, item_type, details, item_path)
                        awaited.append(index)
                completed.append(value)
        except Exception:
            if awaited:
                self.settle_in_background([completed[index] for index in awaited])
            raise
        if not awaited:
            return completed
        return self._items_gathered(completed, awaited)

    def complete_list_value(
        self,
        return_type: GraphQLList[GraphQLOutputType],
        field_details_list: FieldDetailsList,
        info: GraphQLResolveInfo[Any],
        path: Path,
        result: Any,
        position_context: Any,
    ) -> AwaitableOrValue[list[Any]]:
        """A resolver's list (``me``'s memberships, their roles): leaves coerced in place and
        objects completed by ``_objects``, where graphql-core takes its steps per item. Anything
        off that path (an item it must see, ``@stream``) is left to those steps."""
        if type(result) is list and not any(field.node.directives for field in field_details_list):
            kind = _list_kind(return_type)
            completed: Any = Undefined
            if isinstance(kind, _Leaves):
                completed = kind.completed(result)
            elif kind is not None and not self._has_middleware():
                item_type, object_type = kind
                completed = self._objects(
                    item_type, object_type, field_details_list, path, result, position_context
                )
            if completed is not Undefined:
                return cast("AwaitableOrValue[list[Any]]", completed)
        return super().complete_list_value(
            return_type, field_details_list, info, path, result, position_context
        )

    def _has_middleware(self) -> bool:
        return self.middleware_manager is not None and bool(self.middleware_manager.middlewares)

    async def _items_gathered(self, completed: list[Any], awaited: list[int]) -> list[Any]:
        values = await gather_with_cancel(*(completed[index] for index in awaited))
        for index, value in zip(awaited, values, strict=True):
            completed[index] = value
        return completed

    def _fits(
        self,
        plain: _Plain,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        field_path: Path,
        value: Any,
    ) -> bool:
        """Whether the object type's ``is_type_of`` (strawberry gives one to a type with
        interfaces) takes ``value``; when it does not, graphql-core's steps give the error."""
        object_type = plain.object_type
        assert object_type is not None and object_type.is_type_of is not None
        info = (
            _UNREAD
            if _checks_without_info(object_type)
            else self._info(plain, details, parent_type, field_path)
        )
        try:
            fits = object_type.is_type_of(value, info)
        except Exception:
            return False
        if isawaitable(fits):  # answered later: graphql-core awaits it, so this one is dropped
            if iscoroutine(fits):
                fits.close()
            return False
        return fits is True

    def _plan_for(
        self, object_type: GraphQLObjectType, details: FieldDetailsList, position_context: Any
    ) -> _Plan | None:
        """The plan of the object's selection (see ``_Plan``), when it has one."""
        if position_context is not None:  # inside a @defer: graphql-core's delivery groups
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return None
        kept = self._plans.get(id(grouped_field_set))
        if kept is None:
            kept = (grouped_field_set, self._planned(object_type, grouped_field_set))
            self._plans[id(grouped_field_set)] = kept
        return kept[1]

    def _planned(
        self, object_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> _Plan | None:
        readers: list[tuple[str, Callable[[Any], Any]]] = []
        for name, details, plain, leaf_value in self._steps_of(object_type, grouped_field_set):
            if any(field.node.directives for field in details):
                return None
            if leaf_value is not None:
                readers.append((name, leaf_value))
            elif plain is None:
                return None
            elif plain.resolves:
                if plain.context_read is None or plain.leaf is None:
                    return None
                readers.append((name, _context_leaf(plain, self._only_context)))
            elif plain.object_type is not None and _checks_without_info(plain.object_type):
                inner = self._plan_for(plain.object_type, details, None)
                if inner is None:
                    return None
                readers.append((name, _planned_object(plain, inner)))
            else:
                return None
        return _plan(readers)

    def _resolved(
        self,
        plain: _Plain,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        source: Any,
        path: Path | None,
        name: str,
        position_context: Any,
    ) -> Any:
        """A lean resolver's completed value: graphql-core's ``execute_field`` for a field known
        to have no argument and no middleware, with a leaf value coerced in place, and the
        resolve info (and the field's path) built only when the resolver or the completion
        needs it."""
        field_type = plain.field_type
        info: GraphQLResolveInfo[Any] | None = None
        try:
            if plain.context_read is not None:
                value = plain.context_read(source, self._only_context)
            else:
                info = self._info(plain, details, parent_type, Path(path, name, parent_type.name))
                value = plain.read(source, info)
        except Exception as raw_error:
            field_path = Path(path, name, parent_type.name)
            self.handle_field_error(raw_error, field_type, details, field_path)
            return None
        awaitable = value is not Undefined and self.is_awaitable(value)
        if (
            plain.leaf is not None
            and value is not None
            and value is not Undefined
            and not awaitable
        ):
            try:
                coerced = plain.leaf.coerce_output_value(value)
            except Exception:
                coerced = None  # refused: the completion below raises it as graphql-core does
            if coerced is not None and coerced is not Undefined:
                return coerced
        field_path = info.path if info is not None else Path(path, name, parent_type.name)
        if value is Undefined:  # a context read that leaves this source to the resolver
            return self.execute_field(parent_type, source, details, field_path, position_context)
        try:
            if info is None:
                info = self._info(plain, details, parent_type, field_path)
            if awaitable:
                return self.complete_awaitable_value(
                    field_type, details, info, field_path, value, position_context
                )
            completed = self.complete_value(
                field_type, details, info, field_path, value, position_context
            )
        except Exception as raw_error:
            self.handle_field_error(raw_error, field_type, details, field_path)
            return None
        return self._settled(completed, plain, details, field_path)

    def _info(
        self,
        plain: _Plain,
        details: FieldDetailsList,
        parent_type: GraphQLObjectType,
        field_path: Path,
    ) -> GraphQLResolveInfo[Any]:
        return self.build_resolve_info(plain.definition, to_nodes(details), parent_type, field_path)

    def _settled(self, completed: Any, plain: _Plain, details: FieldDetailsList, path: Path) -> Any:
        """A completed value, or one to await whose error is handled as graphql-core does."""
        if self.is_awaitable(completed):
            return self._completed(completed, plain.field_type, details, path)
        return completed

    async def _completed(
        self, completed: Any, value_type: GraphQLOutputType, details: FieldDetailsList, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, value_type, details, path)
            return None

    async def _gathered(self, results: dict[str, Any], pending: list[str]) -> dict[str, Any]:
        if len(pending) == 1:
            results[pending[0]] = await results[pending[0]]
            return results
        values = await gather_with_cancel(*(results[name] for name in pending))
        results.update(zip(pending, values, strict=True))
        return results


def lean_resolvers(schema: strawberry.Schema) -> int:
    """Call plain resolvers directly; the number of fields changed.

    A resolver that takes no argument and has no extension is given, by strawberry, a chain of
    argument conversion, extension and exception-handling wrappers that do nothing for it and
    cost more than most such resolvers. Here it is called with the same parameters strawberry
    would give it (the source as ``self``, ``root`` or ``parent``, and ``info``).
    """
    if schema.exception_handlers:
        return 0
    info_class = schema.config.info_class
    changed = 0
    for graphql_type in schema._schema.type_map.values():
        if not isinstance(graphql_type, GraphQLObjectType) or graphql_type is (
            schema._schema.subscription_type
        ):
            continue
        origin = _origin_of(graphql_type)
        for field_def in graphql_type.fields.values():
            definition = (field_def.extensions or {}).get(DEFINITION_BACKREF)
            if isinstance(definition, StrawberryField) and _leanable(definition):
                field_def.resolve = _lean(definition, info_class)
                if origin is not None and _is_plain_node_id(origin, definition):
                    setattr(field_def.resolve, CONTEXT_READ, _node_id(graphql_type.name))
                changed += 1
    return changed


def _origin_of(graphql_type: GraphQLObjectType) -> type | None:
    definition = (graphql_type.extensions or {}).get(DEFINITION_BACKREF)
    return getattr(definition, "origin", None)


def _is_plain_node_id(origin: type, field: StrawberryField) -> bool:
    """The ``id`` a relay node type gets from strawberry (``Node._id``)."""
    return (
        isinstance(origin, type)
        and issubclass(origin, relay.Node)
        and field.python_name == _NODE_ID.python_name
        and field.base_resolver is not None
        and _NODE_ID.base_resolver is not None
        and _function_of(field.base_resolver.wrapped_func)
        is _function_of(_NODE_ID.base_resolver.wrapped_func)
    )


def _function_of(method: Any) -> Any:
    """The function of a method bound to a class (strawberry binds ``Node._id`` per type)."""
    return getattr(method, "__func__", method)


def _node_id(type_name: str) -> Callable[[Any, Any], Any]:
    """What ``Node._id`` answers for a node whose class keeps relay's ``resolve_id`` and
    ``resolve_typename``, once serialised: ``to_base64(type name, id)``. Any other source, and
    an id that is missing or awaited, is left to it."""

    def read(source: Any, only_context: Any) -> Any:
        id_attr = _plain_id_attr(type(source))
        if id_attr is None:
            return Undefined
        node_id = getattr(source, id_attr)
        if type(node_id) is not int and (node_id is None or isawaitable(node_id)):
            return Undefined
        return to_base64(type_name, str(node_id))

    return read


def _plain_id_attr(source_class: type) -> str | None:
    """The attribute holding the id of a node of this class, when relay reads it as it is."""
    if source_class not in _ID_ATTRS:
        _ID_ATTRS[source_class] = (
            source_class.resolve_id_attr()
            if issubclass(source_class, relay.Node)
            and _function_of(source_class.resolve_id) is _DEFAULT_RESOLVE_ID
            and _function_of(source_class.resolve_typename) is _DEFAULT_RESOLVE_TYPENAME
            else None
        )
    return _ID_ATTRS[source_class]


_ID_ATTRS: dict[type, str | None] = {}


def _leanable(field: StrawberryField) -> bool:
    return (
        field.base_resolver is not None
        and not field.extensions
        and not field.arguments
        and not field.is_subscription
    )


def _lean(field: StrawberryField, info_class: type[Info]) -> Callable[..., Any]:
    resolver = field.base_resolver
    assert resolver is not None
    call: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
    takes_self = resolver.self_parameter is not None
    source_names = [
        parameter.name
        for parameter in (resolver.parent_parameter, resolver.root_parameter)
        if parameter is not None
    ]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None

    def resolve(source: Any, info: GraphQLResolveInfo[Any]) -> Any:
        kwargs = dict.fromkeys(source_names, source)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return call(source, **kwargs) if takes_self else call(**kwargs)

    setattr(resolve, LEAN, True)
    if info_name is None:  # it reads nothing of an info: called without one

        def read_without_info(source: Any, only_context: _OnlyContext) -> Any:
            kwargs = dict.fromkeys(source_names, source)
            return call(source, **kwargs) if takes_self else call(**kwargs)

        setattr(resolve, CONTEXT_READ, read_without_info)
        return resolve
    if getattr(call, READS_ONLY_CONTEXT, False):
        if takes_self and not source_names and _takes_self_and_info(call):
            # ``read(source, only_context)`` is the resolver's own call: no frame between
            setattr(resolve, CONTEXT_READ, call)
            return resolve

        def read(source: Any, only_context: _OnlyContext) -> Any:
            kwargs = dict.fromkeys(source_names, source)
            kwargs[info_name] = only_context
            return call(source, **kwargs) if takes_self else call(**kwargs)

        setattr(resolve, CONTEXT_READ, read)
    return resolve


def _takes_self_and_info(call: Callable[..., Any]) -> bool:
    """``def resolver(self, info)``: two parameters, both given by position."""
    parameters = list(signature(call).parameters.values())
    return len(parameters) == 2 and all(
        parameter.kind is Parameter.POSITIONAL_OR_KEYWORD and parameter.default is Parameter.empty
        for parameter in parameters
    )


_NODE_ID = next(
    field
    for field in get_object_definition(relay.Node, strict=True).fields
    if field.graphql_name == "id"
)
_DEFAULT_RESOLVE_ID = relay.Node.resolve_id.__func__  # type: ignore[attr-defined]
_DEFAULT_RESOLVE_TYPENAME = relay.Node.resolve_typename.__func__  # type: ignore[attr-defined]
