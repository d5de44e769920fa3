"""Every query and mutation field declares its action here; ``Operation`` enforces it.

``Operation`` is the single enforcement point: it authenticates the caller,
finds the store the operation acts in, hides stores the caller cannot see
(reported as absent, never as forbidden), checks the action against the
policy once per operation, and turns the domain's ``UserError`` into the
typed member of the result union. ``Live`` does the same for a subscription when
it starts, and again before every event it sends.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any, Optional, TypeVar

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from core.auth import bearer_credential
from core.context import Context, Loaders
from core.errors import (
    BadUserInput,
    Forbidden,
    NotFound,
    PlanUpgradeRequired,
    RequestError,
    Unauthenticated,
    UserError,
)
from models.stores import Plan, Store as StoreModel
from policies.enforcement import PolicyEngine, Principal
from schema.errors import Result, to_graphql
from schema.ids import Absent
from schema.scopes import Scope, platform

PUBLIC = "public"
AUTHENTICATED = "authenticated"  # any caller with valid credentials, partner keys included
SIGNED_IN = "signed_in"  # a person's own account; partner keys are refused
STORE_VISIBILITY_ACTION = "store.read"
contract_log = logging.getLogger("dangol.contract")
Resolver = TypeVar("Resolver", bound=Callable[..., Any])


def store_visible(policy: PolicyEngine, principal: Principal, store_id: int | None) -> bool:
    """The one visibility rule: a store the caller may not ``store.read`` is absent to them."""
    return store_id is None or policy.allows(principal, STORE_VISIBILITY_ACTION, store_id)


def may_see(policy: PolicyEngine, principal: Principal, action: str, store_id: int | None) -> bool:
    """Whether ``action`` shows the caller an object of ``store_id``: every path asks this."""
    return store_visible(policy, principal, store_id) and policy.allows(principal, action, store_id)


class UnlistedError(RuntimeError):
    """A mutation answered with an error its result union does not list: a bug, never an answer."""


class Operation(FieldExtension):
    def __init__(
        self,
        action: str,
        store: Scope | None,
        *,
        result: Result | None,
        absent: str,
        plan: Plan | None = None,
    ) -> None:
        self.action = action
        self.store = store or platform()
        self.result = result
        self.absent = absent
        self.plan = plan
        if plan is not None and self.store is platform():
            raise TypeError("a plan-gated operation acts in a store: give it a store scope")
        if result is not None and self.store is not platform() and NotFound not in result.errors:
            raise TypeError(f"{result.name} must list NotFound: its object may be absent")

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        ctx: Context = info.context
        try:
            if self.action != PUBLIC:
                await self._authorize(ctx, source, kwargs)
            return await next_(source, info, **kwargs)
        except Absent:
            if self.result is None:
                return None
            return to_graphql(NotFound(f"No such {self.absent}."))
        except UserError as error:
            if self.result is None:
                raise BadUserInput(error.message, field=error.field) from error
            if not self.result.lists(error):
                contract_log.error(
                    "%s is not a member of %s", type(error).__name__, self.result.name
                )
                raise UnlistedError(
                    f"{type(error).__name__} is not in {self.result.name}"
                ) from error
            return to_graphql(error)

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
        if not store_visible(policy, principal, store_id):
            raise Absent
        if not policy.allows(principal, self.action, store_id):
            raise Forbidden(f"You may not {self.action} here.", action=self.action)
        if self.plan is not None and store_id is not None:
            await self._check_plan(ctx, store_id, self.plan)

    @staticmethod
    async def _check_plan(ctx: Context, store_id: int, required: Plan) -> None:
        store = await ctx.loaders.rows(StoreModel).load(store_id)
        if store is None:
            raise Absent
        if not store.plan.includes(required):
            raise PlanUpgradeRequired(
                f"This needs the {required.value} plan; the store is on {store.plan.value}.",
                required_plan=required.value,
            )


def field(*, description: str, **kwargs: Any) -> Callable[[Resolver], Resolver]:
    """A described field of a type that needs no check of its own (its parent's covers it).

    ``@strawberry.field(...)`` is untyped to mypy; this keeps the resolver's signature.
    """
    decorator: Callable[[Resolver], Resolver] = strawberry.field(description=description, **kwargs)
    return decorator


class Live(FieldExtension):
    """A subscription: the same checks as ``Operation`` when it starts, and again for every event.

    Before each event is sent the caller's credential is checked anew (an expired token,
    an ended session, a deactivated account or a revoked key stops the events), with the
    policy as it is now (a revoked permission stops them too). A store the caller cannot
    see answers one null and ends, as a query would answer null.
    """

    plan: Plan | None = None

    def __init__(self, action: str, store: Scope) -> None:
        self.action = action
        self.store = store

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> AsyncIterator[Any]:
        ctx: Context = info.context
        try:
            store_id = await self.store(source, kwargs, ctx)
            if store_id is None:
                raise TypeError("a subscription acts in a store: give it a store scope")
            await self.check(ctx, store_id)
        except Absent:
            return _absent()
        return self._guarded(ctx, store_id, next_(source, info, **kwargs))

    async def check(self, ctx: Context, store_id: int) -> None:
        """Raise ``Unauthenticated``, ``Absent`` or ``Forbidden`` unless the caller may, now."""
        credential = bearer_credential(ctx.authorization)
        if credential is None:
            raise Unauthenticated("Sign in first: send the access token in connection_init.")
        found = await ctx.services.rechecks.check(credential)
        policy = ctx.services.policy
        await policy.sync(known_version=found.policy_version)
        if not store_visible(policy, found.principal, store_id):
            raise Absent
        if not policy.allows(found.principal, self.action, store_id):
            raise Forbidden(f"You may not {self.action} here.", action=self.action)

    async def _guarded(
        self, ctx: Context, store_id: int, events: AsyncGenerator[Any, None]
    ) -> AsyncGenerator[Any, None]:
        try:
            async for event in events:
                try:
                    await self.check(ctx, store_id)
                except Absent:
                    yield None
                    return
                except RequestError as refused:
                    yield refused
                    return
                ctx.loaders = Loaders()  # what the event's fields read is read afresh
                yield event
        finally:
            await events.aclose()


async def _absent() -> AsyncGenerator[None, None]:
    yield None


def query(
    action: str, *, store: Scope | None = None, plan: Plan | None = None, **kwargs: Any
) -> Callable[[Resolver], Resolver]:
    """A field that reads: absent objects answer null; ``plan`` is the lowest plan it needs.

    Strawberry turns the decorated resolver into a field; to mypy it keeps its own
    signature, so its arguments and return type stay checked.
    """
    extension = Operation(action, store, result=None, absent="object", plan=plan)
    field: Callable[[Resolver], Resolver] = strawberry.field(extensions=[extension], **kwargs)
    return field


def mutation(
    action: str,
    *,
    result: Result,
    store: Scope | None = None,
    absent: str = "object",
    nullable: bool = False,
    plan: Plan | None = None,
    **kwargs: Any,
) -> Callable[[Resolver], Resolver]:
    """A field that changes: its answer is ``result``'s union of success and typed errors.

    The resolver's return annotation is the success type (typed like ``query``'s).
    """
    extension = Operation(action, store, result=result, absent=absent, plan=plan)
    answer = Optional[result.annotation] if nullable else result.annotation  # noqa: UP045
    field: Callable[[Resolver], Resolver] = strawberry.mutation(
        extensions=[extension], graphql_type=answer, **kwargs
    )
    return field


def subscription(action: str, *, store: Scope, **kwargs: Any) -> Callable[[Resolver], Resolver]:
    """A subscription of a store's events; the caller's right is checked for every event."""
    decorator: Callable[[Resolver], Resolver] = strawberry.subscription(
        extensions=[Live(action, store)], **kwargs
    )
    return decorator


def declared_operation(field: Any) -> Operation | Live | None:
    for extension in getattr(field, "extensions", []):
        if isinstance(extension, Operation | Live):
            return extension
    return None


def declared_action(field: Any) -> str | None:
    found = declared_operation(field)
    return found.action if found else None
