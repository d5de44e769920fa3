"""The machinery of the authorization table; the format is described in ``__init__.py``."""

from __future__ import annotations

import asyncio
import hashlib
import importlib
import inspect
import itertools
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, TypedDict

from graphql import (
    FieldNode,
    GraphQLInterfaceType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    parse,
)
from tortoise import connections

from models.accounts import Account
from models.audit import AuditEntry
from models.stores import Membership
from policies.catalogue import role_actions
from schema.graph import build_schema
from tests.client import DEMO_PASSWORD, Api, gid
from tests.wsclient import Refused, graphql_socket, ws_url

OK = "allowed"
FORBIDDEN = "forbidden"
ABSENT = "absent"
UNAUTHENTICATED = "unauthenticated"
OUTCOMES = (OK, FORBIDDEN, ABSENT, UNAUTHENTICATED)
UNAUTH = "UNAUTHENTICATED"

CALLERS = ("admin", "owner", "manager", "staff", "partner", "anonymous", "other_owner")
TARGETS = ("own", "other")
EMAILS = {
    "admin": "admin@dangol.test",
    "owner": "owner1@dangol.test",
    "manager": "manager1@dangol.test",
    "staff": "staff1@dangol.test",
    "other_owner": "owner2@dangol.test",
}
STORE_NUMBER = {"own": 1, "other": 2}
NOT_SNAPSHOTTED = ("rate_counter", "aerich")

Expectation = str | tuple[str, str]
Variables = Callable[["World", str], dict[str, Any] | Awaitable[dict[str, Any]]]
Trigger = Callable[["World", str], Awaitable[None]]


class Expectations(TypedDict):
    """What each caller gets: (own store, other store), or one outcome for both."""

    admin: Expectation
    owner: Expectation
    manager: Expectation
    staff: Expectation
    partner: Expectation
    anonymous: Expectation
    other_owner: Expectation


@dataclass(frozen=True)
class Row:
    op: str
    document: str
    variables: Variables
    admin: Expectation
    owner: Expectation
    manager: Expectation
    staff: Expectation
    partner: Expectation
    anonymous: Expectation
    other_owner: Expectation
    variant: str = ""
    fresh_session: bool = False
    trigger: Trigger | None = None
    """For a subscription: makes the event it waits for, once it has started."""

    def __post_init__(self) -> None:
        for caller in CALLERS:
            value = getattr(self, caller)
            values = (value,) if isinstance(value, str) else value
            if len(values) not in (1, 2) or any(v not in OUTCOMES for v in values):
                raise ValueError(f"{self.id}: {caller}={value!r} is not an outcome")

    @property
    def id(self) -> str:
        return f"{self.op}[{self.variant}]" if self.variant else self.op

    def expected(self, caller: str, target: str) -> str:
        value = getattr(self, caller)
        return value if isinstance(value, str) else value[TARGETS.index(target)]

    @property
    def shape(self) -> "Shape":
        return shape_of(self.document)

    @property
    def path(self) -> tuple[str, ...]:
        return self.shape.fields[self.op]


def all_rows() -> list[Row]:
    """Every ``ROWS`` of every ``rows_*`` module of this package."""
    package = importlib.import_module(__package__ or "tests.authorization")
    rows: list[Row] = []
    for module_info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if module_info.name.startswith("rows_"):
            module = importlib.import_module(f"{package.__name__}.{module_info.name}")
            rows.extend(module.ROWS)
    return rows


# -- the schema and the documents --------------------------------------------------------------


@cache
def graphql_schema() -> GraphQLSchema:
    return build_schema()._schema


@cache
def user_error_types() -> frozenset[str]:
    schema = graphql_schema()
    interface = schema.get_type("UserError")
    assert isinstance(interface, GraphQLInterfaceType)
    return frozenset(t.name for t in schema.get_implementations(interface).objects)


@dataclass(frozen=True)
class Shape:
    mutation: bool
    fields: dict[str, tuple[str, ...]]
    subscription: bool = False
    """Every ``Type.field`` the document selects, with its path of response keys."""


@cache
def shape_of(document: str) -> Shape:
    schema = graphql_schema()
    operations = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
    assert len(operations) == 1, "a row's document holds one operation"
    operation = operations[0]
    root = schema.get_root_type(operation.operation)
    assert root is not None
    fields: dict[str, tuple[str, ...]] = {}

    def walk(selections: SelectionSetNode, parent: Any, path: tuple[str, ...]) -> None:
        for node in selections.selections:
            if isinstance(node, InlineFragmentNode):
                condition = node.type_condition
                walk(
                    node.selection_set,
                    schema.get_type(condition.name.value) if condition else parent,
                    path,
                )
            elif isinstance(node, FieldNode) and not node.name.value.startswith("__"):
                definition = parent.fields[node.name.value]
                key = (node.alias or node.name).value
                fields.setdefault(f"{parent.name}.{node.name.value}", (*path, key))
                if node.selection_set:
                    walk(node.selection_set, get_named_type(definition.type), (*path, key))

    walk(operation.selection_set, root, ())
    kind = operation.operation.value
    return Shape(mutation=kind == "mutation", fields=fields, subscription=kind == "subscription")


def observe(row: Row, body: dict[str, Any]) -> str:
    """The outcome a response shows, or a description of what it shows instead."""
    value: Any = body.get("data")
    for key in row.path:
        value = value.get(key) if isinstance(value, dict) else None
    errors = body.get("errors") or []
    if errors:
        code = (errors[0].get("extensions") or {}).get("code")
        if value is not None:
            return f"error {code} but data at {'.'.join(row.path)}: {value!r}"
        if code in ("FORBIDDEN", "UNAUTHENTICATED") and len(errors) == 1:
            return code.lower()
        codes = [(e.get("extensions") or {}).get("code") for e in errors]
        return f"errors {codes}: {errors[0]['message']}"
    if value is None:
        return ABSENT if not row.shape.mutation else "null without an error"
    if row.shape.mutation:
        typename = value.get("__typename") if isinstance(value, dict) else None
        if typename is None:
            return "a mutation row must select __typename on the result"
        if typename == "NotFound":
            return ABSENT
        if typename in user_error_types():
            return f"typed error {typename}: {value.get('message')}"
    return OK


# -- the database ------------------------------------------------------------------------------


async def snapshot() -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of its rows (the throttling counters left out)."""
    connection = connections.get("default")
    if connection.schema_generator.DIALECT == "sqlite":
        found = await connection.execute_query_dict(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    else:
        found = await connection.execute_query_dict(
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()"
        )
    tables = sorted(r["name"] for r in found if r["name"] not in NOT_SNAPSHOTTED)
    assert tables, "no tables found"
    state = {}
    for table in tables:
        rows = await connection.execute_query_dict(f'SELECT * FROM "{table}"')
        lines = sorted(repr(sorted(row.items())) for row in rows)
        state[table] = (len(rows), hashlib.sha256("\n".join(lines).encode()).hexdigest())
    return state


def changes(before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]) -> list[str]:
    return [
        f"{table}: {before.get(table)} -> {after.get(table)}"
        for table in sorted(set(before) | set(after))
        if before.get(table) != after.get(table)
    ]


# -- the callers and the data they act on ------------------------------------------------------

LOGIN_DOC = """
mutation($input: LoginInput!) {
  login(input: $input) { ... on SessionTokens { accessToken refreshToken }
    ... on UserError { code } }
}
"""
CREATE_API_KEY_DOC = """
mutation($input: CreateApiKeyInput!) {
  createApiKey(input: $input) {
    __typename ... on CreateApiKeySuccess { secret apiKey { id } } ... on UserError { message }
  }
}
"""
INVITE_STAFF_DOC = """
mutation($input: InviteStaffInput!) {
  inviteStaff(input: $input) {
    __typename ... on InviteStaffSuccess { invitation { id } invitationCode }
      ... on UserError { message }
  }
}
"""
JOIN_DOC = """
mutation($input: JoinWithInvitationInput!) {
  joinWithInvitation(input: $input) {
    __typename ... on StaffInvitationSuccess { staffMember { id } } ... on UserError { message }
  }
}
"""


class World:
    """The demo data seen by the table: callers with their credentials, stores and objects."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.credentials: dict[str, str | None] = {"anonymous": None}
        self.store_ids: dict[str, int] = {}
        self.account_ids: dict[str, int] = {}
        self.api_key_ids: dict[str, int] = {}
        self._counter = itertools.count(1)
        self.live: tuple[str, Any] | None = None
        """The app on a real socket and its services, for subscription rows."""

    @classmethod
    async def build(cls, api: Api) -> "World":
        world = cls(api)
        for caller, email in EMAILS.items():
            world.account_ids[caller] = (await Account.get(email=email)).id
            world.credentials[caller] = await world.sign_in(caller)
        for target, number in STORE_NUMBER.items():
            membership = await Membership.get(account__email=f"owner{number}@dangol.test")
            world.store_ids[target] = membership.store_id
            world.account_ids[f"staff_{target}"] = (
                await Account.get(email=f"staff{number}@dangol.test")
            ).id
        partner_key = await world._create_key("owner", "own", sorted(role_actions("partner")))
        world.credentials["partner"] = partner_key["secret"]
        world.api_key_ids["own"] = _pk(partner_key["apiKey"]["id"])
        other_key = await world._create_key("other_owner", "other", ["store.read"])
        world.api_key_ids["other"] = _pk(other_key["apiKey"]["id"])
        return world

    async def _create_key(self, caller: str, target: str, actions: list[str]) -> dict[str, Any]:
        result = await self.data_as(
            caller,
            CREATE_API_KEY_DOC,
            {
                "input": {
                    "storeId": self.store(target),
                    "name": self.unique("key"),
                    "actions": actions,
                }
            },
        )
        created = result["createApiKey"]
        assert created["__typename"] == "CreateApiKeySuccess", created
        return created

    async def sign_in(self, caller: str) -> str:
        body = await self.api.gql(
            LOGIN_DOC, {"input": {"email": EMAILS[caller], "password": DEMO_PASSWORD}}
        )
        tokens = body["data"]["login"]
        assert "accessToken" in tokens, tokens
        return str(tokens["accessToken"])

    async def call(self, caller: str, document: str, variables: dict[str, Any]) -> dict[str, Any]:
        return await self.api.gql(document, variables, token=self.credentials[caller])

    async def data_as(
        self, caller: str, document: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        body = await self.call(caller, document, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def subscribe(
        self, caller: str, row: Row, target: str, variables: dict[str, Any]
    ) -> dict[str, Any]:
        """The subscription's first message as a response body (``live`` must be set).

        The protocol does not say when a subscription has started, so the row's trigger
        runs once the server's event bus counts one more subscriber of the target store.
        A connection refused at ``connection_init`` reads as UNAUTHENTICATED.
        """
        assert self.live is not None, "subscription rows need World.live (url, services)"
        url, services = self.live
        store_id = self.store_ids[target]
        credential = self.credentials[caller]
        try:
            async with graphql_socket(ws_url(url), credential) as socket:
                before = services.events.subscribers(store_id)
                await socket.subscribe(row.document, variables)
                first = asyncio.ensure_future(socket.receive(timeout=30))
                for _ in range(1000):
                    if first.done() or services.events.subscribers(store_id) > before:
                        break
                    await asyncio.sleep(0.01)
                if not first.done() and row.trigger is not None:
                    await row.trigger(self, target)
                message = await first
        except Refused as refused:
            return {"errors": [{"message": refused.reason, "extensions": {"code": UNAUTH}}]}
        if message["type"] == "error":
            return {"errors": message["payload"]}
        return dict(message["payload"])

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self._counter)}"

    # ids of what exists ---------------------------------------------------------------------

    def store_id(self, target: str) -> int:
        return self.store_ids[target]

    def store(self, target: str) -> str:
        return gid("Store", self.store_ids[target])

    def account(self, who: str) -> str:
        """An account global id: a caller's, or ``staff_own`` / ``staff_other``."""
        return gid("Account", self.account_ids[who])

    async def staff_member(self, target: str) -> str:
        """The demo staff account's membership in the target store."""
        membership = await Membership.get(
            store_id=self.store_ids[target], account_id=self.account_ids[f"staff_{target}"]
        )
        return gid("StaffMember", membership.id)

    def api_key(self, target: str) -> str:
        """The key made when the world was built: the partner's (own) or owner2's (other)."""
        return gid("ApiKey", self.api_key_ids[target])

    async def audit_entry(self, target: str) -> str:
        entry = await AuditEntry.filter(store_id=self.store_ids[target]).order_by("id").first()
        assert entry is not None
        return gid("AuditEntry", entry.id)

    # fresh objects, made by the admin, for mutations that use an object up -------------------

    async def fresh_staff(self, target: str, role: str = "STAFF") -> str:
        """A new account on the target store's staff: invited by the admin, joined by code."""
        _, code = await self.fresh_invitation(target, role)
        joined = await self.data_as(
            "anonymous",
            JOIN_DOC,
            {"input": {"invitationCode": code, "password": DEMO_PASSWORD}},
        )
        answer = joined["joinWithInvitation"]
        assert answer["__typename"] == "StaffInvitationSuccess", answer
        return str(answer["staffMember"]["id"])

    async def fresh_invitation(self, target: str, role: str = "STAFF") -> tuple[str, str]:
        """(id, code) of a pending invitation of a new email to the target store."""
        email = f"{self.unique('fresh')}@dangol.test"
        result = await self.data_as(
            "admin",
            INVITE_STAFF_DOC,
            {
                "input": {
                    "storeId": self.store(target),
                    "email": email,
                    "name": "Fresh",
                    "role": role,
                }
            },
        )
        invited = result["inviteStaff"]
        assert invited["__typename"] == "InviteStaffSuccess", invited
        return str(invited["invitation"]["id"]), str(invited["invitationCode"])

    async def fresh_staff_account(self, target: str) -> str:
        """The account of a fresh staff member of the target store."""
        membership = await Membership.get(id=_pk(await self.fresh_staff(target)))
        return gid("Account", membership.account_id)

    async def fresh_account(self) -> str:
        """An account that belongs to no store yet."""
        account = await Account.create(
            email=f"{self.unique('loner')}@dangol.test", name="Loner", password_hash="!"
        )
        return gid("Account", account.id)

    async def fresh_api_key(self, target: str) -> str:
        key = await self._create_key("admin", target, ["store.read"])
        return str(key["apiKey"]["id"])

    async def fresh_refresh_token(self, target: str) -> str:
        number = STORE_NUMBER[target]
        body = await self.api.gql(
            LOGIN_DOC, {"input": {"email": f"staff{number}@dangol.test", "password": DEMO_PASSWORD}}
        )
        return str(body["data"]["login"]["refreshToken"])


def _pk(global_id: str) -> int:
    import base64

    return int(base64.b64decode(global_id).decode().rpartition(":")[2])


async def variables_for(row: Row, world: World, target: str) -> dict[str, Any]:
    result = row.variables(world, target)
    if inspect.isawaitable(result):
        result = await result
    return result


async def run_row(row: Row, world: World) -> list[str]:
    """Every caller × target of the row; returns the mismatches, one line each."""
    failures = []
    for caller in CALLERS:
        for target in TARGETS:
            expected = row.expected(caller, target)
            variables = await variables_for(row, world, target)
            if row.fresh_session and caller in EMAILS:
                world.credentials[caller] = await world.sign_in(caller)
            check_unchanged = row.shape.mutation and expected != OK
            before = await snapshot() if check_unchanged else None
            if row.shape.subscription:
                body = await world.subscribe(caller, row, target, variables)
            else:
                body = await world.call(caller, row.document, variables)
            seen = observe(row, body)
            if seen != expected:
                failures.append(f"{caller:<11} {target:<5} expected {expected}, got {seen}")
            if before is not None:
                changed = changes(before, await snapshot())
                if changed:
                    failures.append(f"{caller:<11} {target:<5} was denied but changed: {changed}")
    return failures
