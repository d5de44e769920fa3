"""Each domain error is declared once; a mutation answers only with errors its union lists."""

from __future__ import annotations

import logging

import pytest
import strawberry

from core import errors as domain
from schema.errors import graphql_type_of, result
from schema.graph import build_schema
from schema.operations import PUBLIC, mutation


def _all_user_errors() -> list[type[domain.UserError]]:
    found, todo = [], [domain.UserError]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def test_every_domain_error_has_a_graphql_type_with_its_code_and_fields() -> None:
    # given every declared error class
    classes = _all_user_errors()
    # then each derives a GraphQL type carrying its declared fields, and codes are unique
    for cls in classes:
        derived = graphql_type_of(cls)
        assert derived.__name__ == cls.__name__
        assert set(cls.extra_fields()) <= set(derived.__annotations__)
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes))


def test_the_exported_schema_names_every_error_a_union_lists() -> None:
    sdl = str(build_schema())
    for name in ("InsufficientPoints", "IllegalOrderTransition", "DuplicateCustomer"):
        assert f"type {name} implements UserError" in sdl


@strawberry.type
class _Done:
    ok: bool


_LISTED = result("TryResult", _Done, domain.InsufficientPoints)


@strawberry.type
class _Mutation:
    @mutation(PUBLIC, result=_LISTED)
    async def listed(self) -> _Done:
        raise domain.InsufficientPoints("Not enough.", field="points", available=3)

    @mutation(PUBLIC, result=_LISTED)
    async def unlisted(self) -> _Done:
        raise domain.InsufficientStamps("Not enough stamps.", available=1)


@strawberry.type
class _Query:
    ping: bool = True


_SCHEMA = strawberry.Schema(query=_Query, mutation=_Mutation)


async def test_a_listed_error_is_answered_as_its_typed_member() -> None:
    # when
    answer = await _SCHEMA.execute(
        "mutation { listed { __typename ... on InsufficientPoints { code field available } } }"
    )
    # then
    assert answer.errors is None
    assert answer.data == {
        "listed": {
            "__typename": "InsufficientPoints",
            "code": "INSUFFICIENT_POINTS",
            "field": "points",
            "available": 3,
        }
    }


async def test_an_error_missing_from_the_union_is_a_loud_bug_not_an_answer(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # when a mutation raises an error its union does not list
    with caplog.at_level(logging.ERROR, logger="dangol.contract"):
        answer = await _SCHEMA.execute("mutation { unlisted { __typename } }")
    # then the client gets no made-up answer, and the contract log names the culprit
    assert answer.data is None
    assert answer.errors and "InsufficientStamps is not in TryResult" in str(answer.errors[0])
    assert any("InsufficientStamps" in r.getMessage() for r in caplog.records)
    caplog.clear()  # the autouse guard would (rightly) fail this test otherwise


def test_an_undeclared_extra_field_is_refused_where_it_is_raised() -> None:
    with pytest.raises(TypeError, match="declares no field"):
        domain.InsufficientPoints("x", balance=3)
