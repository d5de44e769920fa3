"""Rows read through core.rows.plain_rows are the rows Tortoise's values_list reads, value for
value and type for type, for every column of the models a page or a loader reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.models import Model

from core.rows import plain_rows, plain_rows_in_turn
from models.customers import AgeBand, Customer, Gender, SourceChannel
from models.orders import Order
from models.stores import Store
from tests.customers import factories as customers
from tests.orders import factories as orders


@pytest.fixture
async def rows(app: Starlette) -> None:
    seen = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    await customers.customer(1)  # the defaults: no visits, no tags, nulls
    await customers.customer(
        1,
        tags=("단골", "vip"),
        visit_count=7,
        total_paid=10**12,
        first_visit_at=seen - timedelta(days=40),
        last_visit_at=seen,
        birth_year=1990,
        age_band=AgeBand.THIRTIES,
        gender=Gender.FEMALE,
        marketing_consent=True,
        source_channel=SourceChannel.REFERRAL,
    )
    customer = await customers.customer(2, birth_year=2001)
    await orders.order(1)
    await orders.order(2, customer_id=customer.id)


def _typed(rows: list[tuple[Any, ...]]) -> list[tuple[tuple[type, Any, Any], ...]]:
    """Each value with its type and, for an instant, its offset and ISO text (UTC comes as
    ``datetime.UTC``, where Tortoise gives ``ZoneInfo("UTC")``: core.rows._as_given)."""
    return [tuple((type(v), v, _zoned(v)) for v in row) for row in rows]


def _zoned(value: Any) -> tuple[Any, str] | None:
    if not isinstance(value, datetime):
        return None
    assert value.tzinfo is not None, "an instant is aware"
    return value.utcoffset(), value.isoformat()


@pytest.mark.parametrize("model", [Customer, Order, Store])
async def test_plain_rows_are_the_rows_values_list_reads(rows: None, model: type[Model]) -> None:
    # given: every column of the model, rows with values and with nulls
    columns = list(model._meta.fields_db_projection)
    for query in (model.all().order_by("id"), model.filter(id__gt=1).order_by("-id").limit(2)):
        # when
        found = await plain_rows(query, columns)
        # then
        expected = await query.values_list(*columns)
        assert found, "the query reads rows"
        assert _typed(found) == _typed(expected)
        assert any(isinstance(value, datetime) for row in found for value in row)


@pytest.mark.parametrize("limit", [1, 2, 3, 10])
async def test_rows_in_turn_are_each_querys_rows_after_the_ones_before(
    rows: None, limit: int
) -> None:
    # given two ordered queries, the second's rows after the first's
    columns = ["id", "store_id", "tags", "last_visit_at", "gender"]
    first = Customer.filter(store_id=1).order_by("-id")
    second = Customer.filter(store_id=2).order_by("id")
    # when
    found = await plain_rows_in_turn([first.limit(limit), second.limit(limit)], columns, limit)
    # then
    expected = [*await first.values_list(*columns), *await second.values_list(*columns)]
    assert _typed(found) == _typed(expected[:limit])
