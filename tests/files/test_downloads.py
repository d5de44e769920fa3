"""Signed download links: one file, one store, minutes long; anything else is a 404."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from httpx import ASGITransport, AsyncClient
from starlette.applications import Starlette
from starlette.routing import Route

from app.files import RenderedFile, file_endpoint
from core.files import FileClaim, FileLinks, InvalidFileToken
from core.security import AccessTokens
from core.settings import Settings

SETTINGS = Settings(jwt_secret="files-test-secret-" + "x" * 32)
OTHER = Settings(jwt_secret="another-secret-" + "y" * 32)


async def _render(store_id: int, object_id: int) -> RenderedFile | None:
    if (store_id, object_id) != (1, 7):
        return None
    return RenderedFile(b"id,total\n7,1000\n", "정산서 7.csv", "text/csv; charset=utf-8")


def _client(links: FileLinks) -> AsyncClient:
    app = Starlette(routes=[Route("/files/{token}", file_endpoint(links, {"test.csv": _render}))])
    return AsyncClient(transport=ASGITransport(app=app), base_url="http://dangol.test")


async def test_a_signed_link_serves_its_file_as_an_attachment() -> None:
    # given
    links = FileLinks(SETTINGS)
    token = links.sign(FileClaim(kind="test.csv", object_id=7, store_id=1)).token
    # when
    async with _client(links) as client:
        response = await client.get(f"/files/{token}")
    # then
    assert response.status_code == 200
    assert response.content == b"id,total\n7,1000\n"
    assert response.headers["content-type"].startswith("text/csv")
    assert (
        "filename*=UTF-8''%EC%A0%95%EC%82%B0%EC%84%9C%207.csv"
        in response.headers["content-disposition"]
    )
    assert response.headers["cache-control"] == "private, no-store"


async def test_expired_tampered_foreign_and_unknown_links_are_404() -> None:
    # given
    links = FileLinks(SETTINGS)
    good = links.sign(FileClaim(kind="test.csv", object_id=7, store_id=1)).token
    expired = links.sign(
        FileClaim(kind="test.csv", object_id=7, store_id=1),
        now=datetime.now(UTC) - timedelta(hours=1),
    ).token
    other_store = links.sign(FileClaim(kind="test.csv", object_id=7, store_id=2)).token
    unknown_kind = links.sign(FileClaim(kind="nope.pdf", object_id=7, store_id=1)).token
    foreign_key = FileLinks(OTHER).sign(FileClaim(kind="test.csv", object_id=7, store_id=1)).token
    head, payload, signature = good.split(".")
    tampered = f"{head}.{payload[:-2]}AA.{signature}"
    # when
    async with _client(links) as client:
        answers = [
            (await client.get(f"/files/{token}")).status_code
            for token in (expired, other_store, unknown_kind, foreign_key, tampered, "x")
        ]
    # then
    assert answers == [404] * 6


def test_an_access_token_is_not_a_download_token() -> None:
    # given an access token signed with the same secret
    access = AccessTokens(SETTINGS).issue(1, uuid.uuid4())
    # then it opens no file
    with pytest.raises(InvalidFileToken):
        FileLinks(SETTINGS).verify(access)
