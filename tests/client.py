"""A small GraphQL client for tests, speaking HTTP to the ASGI app like any client."""

from __future__ import annotations

import itertools
from typing import Any

from httpx import AsyncClient, Response

DEMO_PASSWORD = "dangol-demo"

LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    __typename
    ... on SessionTokens { accessToken refreshToken expiresIn account { id email } }
    ... on UserError { code message field }
  }
}
"""


class Api:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        all_headers = dict(headers or {})
        if token:
            all_headers["authorization"] = f"Bearer {token}"
        return await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=all_headers
        )

    async def gql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        response = await self.post(query, variables, token=token)
        assert response.status_code == 200, response.text
        return response.json()

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> dict[str, Any]:
        body = await self.gql(query, variables, token=token)
        assert "errors" not in body, body["errors"]
        return body["data"]

    async def login(self, email: str, password: str = DEMO_PASSWORD) -> dict[str, Any]:
        body = await self.gql(LOGIN, {"input": {"email": email, "password": password}})
        return body["data"]["login"] if body.get("data") else body

    async def token(self, email: str, password: str = DEMO_PASSWORD) -> str:
        if email not in self._tokens:
            result = await self.login(email, password)
            assert result["__typename"] == "SessionTokens", result
            self._tokens[email] = result["accessToken"]
        return self._tokens[email]


def error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or []
    return errors[0]["extensions"]["code"] if errors else None


def gid(type_name: str, pk: int) -> str:
    import base64

    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


_keys = itertools.count(1)


def new_key(prefix: str = "key") -> str:
    """A fresh idempotency key: every call is a new request, never a retry."""
    return f"{prefix}-{next(_keys)}"
