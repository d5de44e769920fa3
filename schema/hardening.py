"""Limits on what one request may ask, and the shape of every top-level error."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError
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
from strawberry.utils.str_converters import to_camel_case

from core.errors import RequestError
from schema.errors import dotted_camel

logger = logging.getLogger("dangol.errors")

BAD_USER_INPUT = "BAD_USER_INPUT"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"


def _named_for_clients(extensions: dict[str, Any]) -> dict[str, Any]:
    """The domain's snake_case names (``retry_after``, ``field="filter.tier_id"``) in camelCase."""
    return {
        to_camel_case(name): dotted_camel(value) if name == "field" else value
        for name, value in extensions.items()
    }


def shaped(error: GraphQLError) -> GraphQLError:
    """Give every error a code; mask whatever the client was not meant to see."""
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
    def on_operation(self) -> Iterator[None]:
        self._streamed = False
        yield
        result = self.execution_context.result
        if not self._streamed and result is not None and result.errors:
            result.errors = [shaped(error) for error in result.errors]

    def on_stream_result(self, result: Any) -> Iterator[None]:
        """Each result a subscription sends over the WebSocket, shaped before it leaves."""
        self._streamed = True
        if getattr(result, "errors", None):
            result.errors = [shaped(error) for error in result.errors]
        yield


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
        ErrorCodes,
    ]
    if production:
        extensions.append(DisableIntrospection)
    return extensions
