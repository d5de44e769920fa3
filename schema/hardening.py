"""Limits on what one request may ask, and the shape of every top-level error."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension
from strawberry.schema.schema import validate_document
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
CACHED_DOCUMENTS = 128  # distinct documents kept parsed and validated (strawberry's default)


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


class Hardening(SchemaExtension):
    """Every request's limits and the shape of its errors, in one extension.

    strawberry builds the hooks of every extension on every request; seven small extensions
    (token, depth and alias limits, the two caches, one operation, error codes) cost a
    ``me`` request more than its policy check did.

    - the token limit and the depth and alias rules apply before parsing and validating;
    - parsing and validation are cached per document (and per rules), as strawberry's
      ``ParserCache`` and ``ValidationCache`` would;
    - a document of several operations runs the one ``operationName`` names, never a guess
      (left alone, strawberry runs the first, and checks GET and the WebSocket against it);
    - every error gets a code, and what the client was not meant to see is masked.
    """

    def __init__(
        self, *, max_tokens: int, rules: tuple[type[ASTValidationRule], ...], suggestions: bool
    ) -> None:
        self.max_tokens = max_tokens
        self.rules = rules
        self.suggestions = suggestions
        self._streamed = False

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context
        context.parse_options["max_tokens"] = self.max_tokens
        context.validation_rules = context.validation_rules + self.rules
        yield
        result = context.result
        if not self._streamed and result is not None and result.errors:
            result.errors = [shaped(e, suggestions=self.suggestions) for e in result.errors]

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query is not None:
            context.graphql_document = _parsed(context.query, **context.parse_options)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        assert document is not None
        errors = list(
            _validated(context.schema._schema, _Document(document), context.validation_rules)
        )
        operations = [
            definition
            for definition in document.definitions
            if isinstance(definition, OperationDefinitionNode)
        ]
        if len(operations) > 1 and context._provided_operation_name is None:
            problem = "The document holds several operations: name the one to run (operationName)."
            errors.append(GraphQLError(problem, extensions={"code": BAD_USER_INPUT}))
        context.pre_execution_errors = errors
        yield

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result a subscription sends over the WebSocket, shaped before it leaves."""
        self._streamed = True
        if getattr(result, "errors", None):
            result.errors = [shaped(e, suggestions=self.suggestions) for e in result.errors]
        yield


# Shared by every request: a document's text parses, and validates against the same rules, once.
_parsed = lru_cache(maxsize=CACHED_DOCUMENTS)(parse)


class _Document:
    """A parsed document as a cache key, by identity: the same text parses to the same object
    (``_parsed``), and the document's own hash walks its whole tree on every lookup."""

    __slots__ = ("document",)

    def __init__(self, document: DocumentNode) -> None:
        self.document = document

    def __hash__(self) -> int:
        return id(self.document)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Document) and other.document is self.document


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _validated(
    schema: GraphQLSchema, document: _Document, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    # the cache keeps the key, and so the document: its id is not reused while it is cached
    return validate_document(schema, document.document, rules)


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


def hardening_extensions(
    *, production: bool, max_depth: int, max_aliases: int, max_tokens: int
) -> list[Callable[[], SchemaExtension]]:
    """One ``Hardening`` per request, sharing rule classes made once: the limiters build new
    rule classes in their constructors, and the validation cache keys on the rules."""
    rules = (
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
        *((NoSchemaIntrospectionCustomRule,) if production else ()),
    )
    return [lambda: Hardening(max_tokens=max_tokens, rules=rules, suggestions=not production)]
