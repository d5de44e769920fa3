"""The HTTP face of the service: the GraphQL endpoint, health checks and a body-size limit."""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

import orjson
from cross_web import HTTPException
from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLSyntaxError,
    OperationDefinitionNode,
    OperationType,
    parse,
)
from starlette.datastructures import URL
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import SubscribeMessage
from strawberry.types import ExecutionResult
from strawberry.types.unset import UNSET, UnsetType

from core.context import Context
from core.database import connection
from core.errors import RequestError, Unauthenticated
from core.services import Services
from schema.hardening import BAD_USER_INPUT, shaped

GRAPHQL_RESPONSE_MEDIA_TYPE = "application/graphql-response+json"
MAX_JSON_DEPTH = 64
LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


@dataclass
class ConnectionContext(Context):
    """A WebSocket's context: its credential comes from the ``connection_init`` payload."""

    connection_params: dict[str, Any] | None = None


class SubscriptionsOnly(BaseGraphQLTransportWSHandler[Context, None]):
    """``graphql-transport-ws`` for subscriptions; queries and mutations go over HTTP.

    A connection's context lives as long as the socket, so a query sent over it would
    keep the principal and policy of the moment it connected; subscriptions check both
    again for every event (``schema/operations.Live``).
    """

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        if self.connection_acknowledged and message.get("id") not in self.operations:
            refusal = self._refusal(message)
            if refusal is not None:
                await self.send_message(
                    {"id": message["id"], "type": "error", "payload": [refusal.formatted]}
                )
                return
        await super().handle_subscribe(message)

    def _refusal(self, message: SubscribeMessage) -> GraphQLError | None:
        """What HTTP would answer with a 400 or BAD_USER_INPUT, answered the same way here.

        Left to strawberry, a document that does not parse ends the operation with a bare
        ``complete`` (the parser cache raises outside strawberry's own handling).
        """
        payload: Any = message.get("payload")
        query = payload.get("query") if isinstance(payload, dict) else None
        if not isinstance(query, str):
            return _bad_input("A subscribe message carries its document as payload.query.")
        variables = payload.get("variables")
        if variables is not None and not isinstance(variables, dict):
            return _bad_input("payload.variables must be an object.")
        try:
            _check_strings(variables or {})
        except HTTPException as refused:
            return _bad_input(refused.reason)
        try:
            max_tokens = cast("GraphQLView", self.view).services.settings.max_tokens
            document = parse(query, max_tokens=max_tokens)
        except GraphQLError as error:
            return _bad_input(error.message)
        if _operation_types(document) - {OperationType.SUBSCRIPTION}:
            return _bad_input(
                "Only subscriptions travel over the WebSocket; send queries and mutations "
                "with POST /graphql."
            )
        return None


def _bad_input(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": BAD_USER_INPUT})


def checked_json(data: str | bytes) -> dict[str, Any] | list[Any]:
    """Decode a request's JSON, refusing with a 400 what no GraphQL request can be."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "The request body is not valid UTF-8.") from exc
    try:
        value = json.loads(data)
    except RecursionError as exc:
        raise HTTPException(400, _too_deep()) from exc
    except ValueError as exc:
        raise HTTPException(400, "Unable to parse request body as JSON") from exc
    if not isinstance(value, dict | list):
        shown = data.strip()[:20]
        raise HTTPException(
            400, f'A GraphQL request is a JSON object ({{"query": ...}}), not {shown}.'
        )
    _check_strings(value)
    return value


def _too_deep() -> str:
    return f"The request's JSON is nested deeper than {MAX_JSON_DEPTH} levels."


def _check_strings(value: dict[str, Any] | list[Any]) -> None:
    """Every string valid Unicode (no lone surrogate such as ``\\ud800``), nesting bounded."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise HTTPException(400, _too_deep())
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
            strings: Iterable[Any] = item.keys()
        elif isinstance(item, list):
            children, strings = item, ()
        else:
            children, strings = (), (item,)
        for text in strings:
            if isinstance(text, str) and LONE_SURROGATE.search(text):
                raise HTTPException(
                    400,
                    "The request holds a lone UTF-16 surrogate (such as \\ud800): "
                    "strings must be valid Unicode.",
                )
        pending.extend((child, depth + 1) for child in children)


def client_address(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address: ``X-Forwarded-For`` counts only behind a trusted proxy.

    Without ``DANGOL_TRUSTED_PROXIES`` the header is ignored (anyone can send it). Behind
    trusted proxies, the address is the right-most one of the header that is not a proxy.
    """
    address = peer or "unknown"
    if not trusted or not forwarded_for or not _is_trusted(address, trusted):
        return address
    for hop in reversed([part.strip() for part in forwarded_for.split(",")]):
        if not _is_trusted(hop, trusted):
            return hop if _is_address(hop) else address
    return address


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    try:
        found = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(found in ipaddress.ip_network(network, strict=False) for network in trusted)


def base_url_of(connection: HTTPConnection) -> str:
    """Starlette's ``base_url`` without its trailing slash, written once per address: Starlette
    builds it from the whole scope on every request."""
    scope = connection.scope
    return _base_url(
        scope.get("scheme", "http"),
        scope.get("server"),
        connection.headers.get("host"),
        scope.get("app_root_path", scope.get("root_path", "")),
    )


@lru_cache(maxsize=64)  # the Host header is the client's: a bounded cache
def _base_url(
    scheme: str, server: tuple[str, int | None] | None, host: str | None, root_path: str
) -> str:
    scope: Scope = {
        "type": "http",
        "scheme": scheme,
        "server": server,
        "path": root_path if root_path.endswith("/") else root_path + "/",
        "root_path": root_path,
        "query_string": b"",
        "headers": [] if host is None else [(b"host", host.encode("latin-1"))],
    }
    return str(URL(scope=scope)).rstrip("/")


def _is_subscription(query: str | None) -> bool:
    if not query or "subscription" not in query:  # most requests are spared the parse
        return False
    try:
        return OperationType.SUBSCRIPTION in _operation_types(parse(query))
    except GraphQLSyntaxError:
        return False  # answered as any document that does not parse


def _operation_types(document: DocumentNode) -> set[OperationType]:
    return {
        definition.operation
        for definition in document.definitions
        if isinstance(definition, OperationDefinitionNode)
    }


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view, speaking the GraphQL over HTTP media type and JSON errors."""

    graphql_transport_ws_handler_class = SubscriptionsOnly

    def __init__(self, services: Services, **kwargs: Any) -> None:
        self.services = services
        production = services.settings.production
        super().__init__(
            graphql_ide=None if production else "graphiql",
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            **kwargs,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope=scope, receive=receive)
        try:
            response = await self.run(request)
        except HTTPException as exc:
            response = JSONResponse(
                error_body(exc.reason, "BAD_REQUEST"), status_code=exc.status_code
            )
        await response(scope, receive, send)

    def encode_json(self, data: object) -> str:
        """orjson, which writes a page's answer in a tenth of json's time. A value it refuses
        (an integer past 64 bits) goes to json, as before. Text, not bytes: strawberry sends
        bytes over a WebSocket as binary frames, which GraphQL WebSocket clients do not read."""
        try:
            return orjson.dumps(data).decode()
        except orjson.JSONEncodeError:
            return json.dumps(data, separators=(",", ":"))

    def parse_json(self, data: str | bytes) -> Any:
        """A request's JSON: valid UTF-8, no lone surrogates, not absurdly nested, an object.

        Each of these would otherwise reach a resolver (or strawberry) and fail there
        as a server error; here it is a 400 naming what is wrong.
        """
        return checked_json(data)

    async def parse_http_body(self, request: Any) -> Any:
        """Subscriptions go over the WebSocket: over HTTP a 400, not a silent null."""
        parsed = await super().parse_http_body(request)
        for item in parsed if isinstance(parsed, list) else [parsed]:
            if _is_subscription(item.query):
                raise HTTPException(
                    400, "Subscriptions travel over the WebSocket (graphql-transport-ws)."
                )
        return parsed

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        client = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.services.settings.trusted_proxies,
        )
        if isinstance(request, WebSocket):
            return ConnectionContext(
                services=self.services,
                client_address=client,
                base_url=base_url_of(request).replace("ws", "http", 1),
                response=response,
            )
        return Context(
            services=self.services,
            authorization=request.headers.get("authorization"),
            client_address=client,
            base_url=base_url_of(request),
            response=response,
        )

    async def on_ws_connect(self, context: Context) -> UnsetType:
        """Authenticate from ``connection_init`` (``{"authorization": "Bearer ..."}``) or refuse."""
        params = getattr(context, "connection_params", None) or {}
        header = params.get("authorization") or params.get("Authorization")
        try:
            if not isinstance(header, str) or not header.strip():
                raise Unauthenticated(
                    'Send {"authorization": "Bearer <token>"} as the connection_init payload.'
                )
            context.authorization = header
            await context.principal()
        except RequestError as refused:
            raise ConnectionRejectionError(
                {"message": refused.message, "extensions": {"code": refused.code}}
            ) from refused
        unset: UnsetType = UNSET
        return unset

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        sub_response = await super().get_sub_response(request)
        accept = request.headers.get("accept", "")
        # The view keeps no state per request: the client's choice rides on the sub-response,
        # an attribute of ours that Starlette's Response does not declare (hence the ignore).
        wanted = GRAPHQL_RESPONSE_MEDIA_TYPE in accept
        sub_response.graphql_response_media = wanted  # type: ignore[attr-defined]
        return sub_response

    async def process_result(
        self, request: Request, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        if result.errors:
            suggestions = not self.services.settings.production
            result.errors = [shaped(e, suggestions=suggestions) for e in result.errors]
        return await super().process_result(request, result)

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if getattr(sub_response, "graphql_response_media", False):
            response.headers["content-type"] = GRAPHQL_RESPONSE_MEDIA_TYPE
            if isinstance(response_data, dict) and _is_request_error(response_data):
                response_data.pop("data", None)
                body = self.encode_json(response_data)
                response.body = body.encode() if isinstance(body, str) else body
                response.headers["content-length"] = str(len(response.body))
                response.status_code = 400
        return response


def _is_request_error(response_data: GraphQLHTTPResponse) -> bool:
    """A document that failed to parse or validate: no data, and errors tied to no field."""
    errors = response_data.get("errors") or []
    return (
        response_data.get("data") is None
        and bool(errors)
        and all(isinstance(error, dict) and not error.get("path") for error in errors)
    )


class BodySizeLimit:
    """Refuse request bodies over the limit, whether or not they declare their length."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        too_large = False

        async def limited_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse(
            error_body(
                f"The request body is larger than {self.max_bytes} bytes.", "PAYLOAD_TOO_LARGE"
            ),
            status_code=413,
        )
        await response(scope, receive, send)


class _BodyTooLarge(Exception):
    pass


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    try:
        await connection().execute_query("SELECT 1")
    except Exception:
        return JSONResponse({"status": "unavailable", "database": False}, status_code=503)
    return JSONResponse({"status": "ready", "database": True})
