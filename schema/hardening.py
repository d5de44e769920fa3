"""Limits on what one request may ask, and the shape of every top-level error."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.extensions.disable_introspection import DisableIntrospection
from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition
from strawberry.utils.str_converters import to_camel_case

from core.errors import RequestError
from schema.errors import dotted_camel

logger = logging.getLogger("dangol.errors")

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
# graphql-core's hints: "Did you mean 'email'?", "... the enum value 'STAFF'?", "'Store'?"
SUGGESTION = re.compile(r" ?Did you mean [^?]*\?")


def _named_for_clients(extensions: dict[str, Any]) -> dict[str, Any]:
    """The domain's snake_case names (``retry_after``, ``field="filter.tier_id"``) in camelCase."""
    return {
        to_camel_case(name): dotted_camel(value) if name == "field" else value
        for name, value in extensions.items()
    }


def shaped(error: GraphQLError, *, suggestions: bool = True) -> GraphQLError:
    """Give every error a code; mask whatever the client was not meant to see.

    Without ``suggestions`` (production), graphql-core's "Did you mean ...?" hints are cut:
    they spell out argument, input field, enum value and type names one guess at a time.
    """
    original = error.original_error
    if isinstance(original, RequestError):
        extensions = {"code": original.code, **_named_for_clients(original.extensions)}
        message = original.message
    elif original is None or isinstance(original, GraphQLError):
        extensions = {"code": BAD_USER_INPUT, **(error.extensions or {})}
        message = error.message
    else:
        logger.error("unexpected error at %s", error.path, exc_info=original)
        extensions = {"code": INTERNAL_SERVER_ERROR}
        message = "Unexpected error."
    if not suggestions:
        message = SUGGESTION.sub("", message)
    return GraphQLError(
        message=message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=None,
        extensions=extensions,
    )


class ErrorCodes(SchemaExtension):
    def __init__(self, *, suggestions: bool = True) -> None:
        self.suggestions = suggestions

    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        result = self.execution_context.result
        if not self._streamed and result is not None and result.errors:
            result.errors = [shaped(e, suggestions=self.suggestions) for e in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result a subscription sends over the WebSocket, shaped before it leaves."""
        self._streamed = True
        if getattr(result, "errors", None):
            result.errors = [shaped(e, suggestions=self.suggestions) for e in result.errors]
        yield


class OneOperation(SchemaExtension):
    """A document of several operations runs the one ``operationName`` names, never a guess.

    Left alone, strawberry runs the first (and checks GET and the WebSocket against it).
    """

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        operations = [
            definition
            for definition in (document.definitions if document else ())
            if isinstance(definition, OperationDefinitionNode)
        ]
        if len(operations) > 1 and context._provided_operation_name is None:
            problem = "The document holds several operations: name the one to run (operationName)."
            context.pre_execution_errors = [
                *(context.pre_execution_errors or []),
                GraphQLError(problem, extensions={"code": BAD_USER_INPUT}),
            ]
        yield


def _moment(value: object) -> datetime:
    """strawberry's ISO 8601 date and time, if it can be placed in UTC (years 1 to 9999)."""
    assert DateTimeDefinition.parse_value is not None
    moment = DateTimeDefinition.parse_value(value)
    assert isinstance(moment, datetime)
    try:
        if moment.tzinfo is not None:
            moment.astimezone(UTC)  # OverflowError past the ends of the calendar
    except OverflowError:
        raise StrawberryInputCoercionError(
            f'Value cannot represent a DateTime: "{value}". It is outside the calendar in UTC.'
        ) from None
    return moment


IN_RANGE_DATETIME = ScalarDefinition(
    name=DateTimeDefinition.name,
    description=DateTimeDefinition.description,
    specified_by_url=DateTimeDefinition.specified_by_url,
    serialize=DateTimeDefinition.serialize,
    parse_value=_moment,
    parse_literal=None,
    origin=datetime,
)
SCALAR_OVERRIDES: dict[object, Any] = {datetime: IN_RANGE_DATETIME}


def _with_stable_rules(prototype: AddValidationRules) -> Callable[[], SchemaExtension]:
    """A fresh extension per request that reuses the prototype's rule classes.

    The limiters build new rule classes in their constructors; ValidationCache keys
    on the rules, so fresh classes per request would make every validation a miss.
    """
    rules = list(prototype.validation_rules)
    return lambda: AddValidationRules(rules)


def hardening_extensions(
    *, production: bool, max_depth: int, max_aliases: int, max_tokens: int
) -> list[Callable[[], SchemaExtension] | type[SchemaExtension]]:
    extensions: list[Callable[[], SchemaExtension] | type[SchemaExtension]] = [
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        _with_stable_rules(QueryDepthLimiter(max_depth=max_depth)),
        _with_stable_rules(MaxAliasesLimiter(max_alias_count=max_aliases)),
        ParserCache,
        ValidationCache,
        OneOperation,
        lambda: ErrorCodes(suggestions=not production),
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
