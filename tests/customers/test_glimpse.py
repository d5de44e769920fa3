"""A page whose customers are asked only their id, name, phone and visits reads half of each
row (``listed.GLIMPSE``); any other field, or a field a directive decides, reads the whole row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from models.points import PointBalance
from resolvers.customers.listed import NOT_READ, ColumnNotRead
from schema.customers.types import GLIMPSED_FIELDS
from tests.client import Api
from tests.customers import factories
from tests.customers.helpers import STORE1, owner
from tests.statements import recorded

NOW = datetime.now(UTC)
GLIMPSED = (
    "__typename id name phone piiMasked"
    " visits { count totalPaid firstVisitAt lastVisitAt averageSpend }"
)
PAGE = """query($id: ID!, $sort: CustomerSort, $filter: CustomerFilterInput, $after: String,
  $shown: Boolean!) { store(id: $id) {
  customers(sort: $sort, filter: $filter, first: 3, after: $after) {
    edges { cursor @include(if: $shown) node { %s } } pageInfo { hasNextPage endCursor } } } }"""
# (a directive beside the nodes, on the cursor, decides none of their fields)
# every field of a customer that is not in GLIMPSED_FIELDS and takes no argument or selection
OTHERS = [
    "birthYear",
    "ageBand",
    "gender",
    "marketingConsent",
    "sourceChannel",
    "tags",
    "rewardUses",
    "createdAt",
    "updatedAt",
    "segments",
]


async def _customers() -> None:
    for n, visits in enumerate([5, 0, 3, 3, 9, 1, 0]):
        seen = NOW - timedelta(days=12 * n) if visits else None  # dormant from the fourth
        row = await factories.customer(
            1,
            name=f"손님{n}",
            tags=(f"t{n}",),
            visit_count=visits,
            total_paid=visits * 4100 + n,
            first_visit_at=seen - timedelta(days=40) if seen else None,
            last_visit_at=seen,
            birth_year=1980 + n,
        )
        if n % 2:
            await PointBalance.create(store_id=1, customer_id=row.id, balance=100 * n)


async def _pages(
    api: Api, token: str, fields: str, **variables: Any
) -> tuple[list[Any], list[str]]:
    """Every page of the list, and the customer statements' SQL."""
    edges: list[Any] = []
    statements: list[str] = []
    after = None
    while True:
        with recorded() as sent:
            data = await api.data(
                PAGE % fields,
                {"id": STORE1, "after": after, "shown": True, **variables},
                token=token,
            )
        statements += [sql for sql, _ in sent if 'FROM "customer"' in sql]
        found = data["store"]["customers"]
        edges += found["edges"]
        if not found["pageInfo"]["hasNextPage"]:
            return edges, statements
        after = found["pageInfo"]["endCursor"]


def _whole(sql: str) -> bool:
    return '"gender"' in sql and '"tags"' in sql and '"created_at"' in sql


@pytest.mark.parametrize(
    ("sort", "filter"),
    [
        ("CREATED_DESC", None),
        ("VISITS_DESC", None),
        ("TOTAL_PAID_DESC", None),
        ("LAST_VISIT_DESC", None),
        ("POINTS_DESC", None),
        ("VISITS_DESC", {"segment": "DORMANT"}),
    ],
)
async def test_a_glimpsed_page_answers_what_the_whole_rows_answer(
    api: Api, sort: str, filter: dict[str, str] | None
) -> None:
    # given
    await _customers()
    token = await owner(api)
    # when: every field a glimpse serves, and the same with a field it does not
    glimpsed, narrow = await _pages(api, token, GLIMPSED, sort=sort, filter=filter)
    whole, wide = await _pages(api, token, GLIMPSED + " createdAt", sort=sort, filter=filter)
    # then: the same customers, cursors and values; half a row read, and every column
    for edge in whole:
        del edge["node"]["createdAt"]
    assert glimpsed == whole and len(glimpsed) >= 1
    assert narrow and not any(_whole(sql) for sql in narrow)
    assert wide and all(_whole(sql) for sql in wide)


@pytest.mark.parametrize("field", OTHERS)
async def test_any_other_field_reads_the_whole_row(api: Api, field: str) -> None:
    # given
    await _customers()
    token = await owner(api)
    # when
    edges, statements = await _pages(api, token, f"id name {field}", sort="VISITS_DESC")
    # then
    assert field not in GLIMPSED_FIELDS
    assert len(edges) == 7 and all(field in edge["node"] for edge in edges)
    assert statements and all(_whole(sql) for sql in statements)


async def test_a_field_a_directive_decides_reads_the_whole_row(api: Api) -> None:
    # given
    await _customers()
    token = await owner(api)
    # when: which fields the rows are asked depends on a variable
    edges, statements = await _pages(
        api, token, "id name tags @include(if: $shown)", sort="VISITS_DESC"
    )
    # then
    assert edges[0]["node"]["tags"] and all(_whole(sql) for sql in statements)


def test_a_column_not_read_is_never_a_value() -> None:
    with pytest.raises(ColumnNotRead):
        str(NOT_READ)
    with pytest.raises(ColumnNotRead):
        bool(NOT_READ)
    with pytest.raises(TypeError):
        list(NOT_READ)
    with pytest.raises(TypeError):
        NOT_READ + 1
