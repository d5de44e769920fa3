"""Every query and mutation field declares its action here; ``Operation`` enforces it.

``Operation`` is the single enforcement point: it authenticates the caller,
finds the store the operation acts in, hides stores the caller cannot see
(reported as absent, never as forbidden), checks the action against the
policy once per operation, and turns the domain's ``UserError`` into the
typed member of the result union.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from core.context import Context
from core.errors import BadUserInput, Forbidden, UserError
from schema.errors import not_found, to_graphql
from schema.scopes import Absent, Scope, platform

PUBLIC = "public"
AUTHENTICATED = "authenticated"  # any caller with valid credentials, partner keys included
SIGNED_IN = "signed_in"  # a person's own account; partner keys are refused
STORE_VISIBILITY_ACTION = "store.read"


class Operation(FieldExtension):
    def __init__(self, action: str, store: Scope | None, *, mutation: bool, absent: str) -> None:
        self.action = action
        self.store = store or platform()
        self.mutation = mutation
        self.absent = absent

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        ctx: Context = info.context
        try:
            if self.action != PUBLIC:
                await self._authorize(ctx, source, kwargs)
            return await next_(source, info, **kwargs)
        except Absent:
            return not_found(self.absent) if self.mutation else None
        except UserError as error:
            if self.mutation:
                return to_graphql(error)
            raise BadUserInput(error.message, field=error.field) from error

    async def _authorize(self, ctx: Context, source: Any, kwargs: dict[str, Any]) -> None:
        principal = await ctx.principal()
        if self.action == AUTHENTICATED:
            return
        if self.action == SIGNED_IN:
            if principal.account_id is None:
                raise Forbidden(
                    "This is for people signed in, not for partner keys.", action=self.action
                )
            return
        policy = await ctx.current_policy()
        store_id = await self.store(source, kwargs, ctx)
        if store_id is not None and not policy.allows(principal, STORE_VISIBILITY_ACTION, store_id):
            raise Absent
        if not policy.allows(principal, self.action, store_id):
            raise Forbidden(f"You may not {self.action} here.", action=self.action)


def _field(
    decorator: Callable[..., Any],
    action: str,
    store: Scope | None,
    mutation: bool,
    absent: str,
    kwargs: dict[str, Any],
) -> Any:
    extension = Operation(action, store, mutation=mutation, absent=absent)
    return decorator(extensions=[extension], **kwargs)


def query(action: str, *, store: Scope | None = None, absent: str = "object", **kwargs: Any) -> Any:
    return _field(strawberry.field, action, store, False, absent, kwargs)


def mutation(
    action: str, *, store: Scope | None = None, absent: str = "object", **kwargs: Any
) -> Any:
    return _field(strawberry.mutation, action, store, True, absent, kwargs)


def declared_action(field: Any) -> str | None:
    for extension in getattr(field, "extensions", []):
        if isinstance(extension, Operation):
            return extension.action
    return None
