"""Answers are written by orjson (app/http.GraphQLView.encode_json): the same JSON as before, as
text, and what orjson refuses still goes out."""

from __future__ import annotations

import json

from starlette.applications import Starlette
from starlette.routing import Route

from app.http import GraphQLView
from tests.client import Api


def _view(app: Starlette) -> GraphQLView:
    [view] = [
        route.endpoint
        for route in app.routes
        if isinstance(route, Route) and isinstance(route.endpoint, GraphQLView)
    ]
    return view


async def test_an_answer_is_the_json_of_its_values_as_text(app: Starlette) -> None:
    # given: what an answer holds, and what orjson cannot write (an integer past 64 bits)
    view = _view(app)
    answer = {"data": {"name": "김민지", "phone": "010-1234-5678", "n": 7, "ok": True, "x": None}}
    too_big = {"data": {"n": 2**70}}
    # when
    written, written_big = view.encode_json(answer), view.encode_json(too_big)
    # then: text (a WebSocket sends bytes as binary frames, which clients do not read)
    assert isinstance(written, str) and isinstance(written_big, str)
    assert json.loads(written) == answer
    assert json.loads(written_big) == too_big


async def test_text_beyond_ascii_reaches_the_client_as_it_was_sent(api: Api) -> None:
    # when: an error quotes what the client sent
    response = await api.client.post(
        "/graphql",
        json={
            "query": "query($b: Boolean!) { __typename @skip(if: $b) }",
            "variables": {"b": "한글 값"},
        },
    )
    # then: valid JSON in UTF-8, with the text intact (json.dumps wrote it as escapes)
    assert response.headers["content-type"].startswith("application/json")
    body = json.loads(response.content.decode("utf-8"))
    assert "한글 값" in body["errors"][0]["message"]
    assert "한글 값".encode() in response.content
