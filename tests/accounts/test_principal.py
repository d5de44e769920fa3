"""A request authenticates once, however many of its fields ask at the same moment, and each of
them gets the one answer: the principal, or the error."""

from __future__ import annotations

import asyncio
import gc
import logging
from typing import Any

import pytest
from starlette.applications import Starlette

from core.context import Context
from core.errors import Unauthenticated
from policies.enforcement import Principal
from tests.client import Api
from tests.statements import recorded


def _counted(ctx: Context) -> list[int]:
    """Count the context's authentications."""
    calls: list[int] = []
    authenticate = ctx._authenticate

    async def counted() -> Principal:
        calls.append(1)
        return await authenticate()

    ctx._authenticate = counted  # type: ignore[method-assign]
    return calls


async def test_fields_asking_at_once_share_one_authentication(api: Api, app: Starlette) -> None:
    # given a request's context with a valid token
    token = await api.token("owner1@dangol.test")
    ctx = Context(services=app.state.services, authorization=f"Bearer {token}")
    calls = _counted(ctx)
    # when three fields ask at once, and one more afterwards
    with recorded() as sent:
        found = await asyncio.gather(*(ctx.principal() for _ in range(3)))
        again = await ctx.principal()
    # then one authentication, one statement, one principal
    assert len(calls) == 1 and len(sent) == 1
    assert len({id(principal) for principal in [*found, again]}) == 1
    assert again.account_id is not None


async def test_fields_asking_at_once_share_the_error(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    # given a request's context with a token that is not one
    ctx = Context(services=app.state.services, authorization="Bearer not-a-token")
    calls = _counted(ctx)
    # when three fields ask at once, and one more afterwards
    found: list[Any] = await asyncio.gather(
        *(ctx.principal() for _ in range(3)), return_exceptions=True
    )
    with pytest.raises(Unauthenticated):
        await ctx.principal()
    # then one authentication, whose error each of them got; nothing is left unretrieved
    assert len(calls) == 1
    assert all(isinstance(error, Unauthenticated) for error in found)
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        del ctx, found
        gc.collect()
    assert "never retrieved" not in caplog.text


async def test_a_single_failed_authentication_leaves_nothing_unretrieved(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    # given
    ctx = Context(services=app.state.services, authorization="Bearer not-a-token")
    # when the only field asking fails
    with pytest.raises(Unauthenticated):
        await ctx.principal()
    # then
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        del ctx
        gc.collect()
    assert "never retrieved" not in caplog.text
