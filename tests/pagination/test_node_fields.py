"""``node_fields``: the fields a connection's nodes are asked for, decided before the rows (a
customers page opens names and phones, and audits the reveal, only when they are asked)."""

from __future__ import annotations

import pytest
import strawberry
from strawberry.types import Info

from schema.pagination import node_fields


@strawberry.type
class Item:
    name: str
    phone: str
    tier: str


@strawberry.type
class ItemEdge:
    cursor: str
    node: Item


@strawberry.type
class Items:
    edges: list[ItemEdge]
    count: int


@strawberry.type
class Query:
    @strawberry.field
    def items(self, info: Info) -> Items:
        info.context["seen"].append(node_fields(info))
        return Items(edges=[], count=0)


SCHEMA = strawberry.Schema(query=Query)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ("{ items { count edges { cursor node { name } } } }", {"name"}),
        ("{ items { edges { node { who: name tier } } } }", {"name", "tier"}),
        ("{ items { count } }", set()),
        # fragments, named and inline, at every level
        (
            "{ items { ...E } } fragment E on Items { edges { ... on ItemEdge { node { ...N } } } }"
            " fragment N on Item { phone ... { tier } }",
            {"phone", "tier"},
        ),
        # a field or fragment under a directive is left to the rows
        (
            "{ items { edges { node { name @include(if: true) ... on Item @skip(if: false)"
            " { phone } tier } } } }",
            {"tier"},
        ),
        ("{ items { edges @include(if: true) { node { name } } } }", set()),
    ],
)
async def test_the_fields_asked_of_the_nodes(document: str, expected: set[str]) -> None:
    # given
    seen: list[set[str]] = []
    # when
    result = await SCHEMA.execute(document, context_value={"seen": seen})
    # then
    assert result.errors is None
    assert seen == [expected]
