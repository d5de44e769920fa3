"""Rows by id from a statement written once (core.database.rows_by_id, behind the loaders) are
the rows the ORM reads, field for field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.applications import Starlette
from tortoise.models import Model

from core.database import MAX_WRITTEN_IDS, rows_by_id
from models.customers import Customer
from models.orders import Order
from models.stores import Store
from tests.customers import factories as customers
from tests.orders import factories as orders


def _fields(row: Model) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row._meta.fields_db_projection}


@pytest.fixture
async def rows(app: Starlette) -> None:
    for n in range(MAX_WRITTEN_IDS + 2):
        customer = await customers.customer(1, tags=("단골",), last_visit_at=datetime.now(UTC))
        await orders.order(1, customer_id=customer.id if n % 2 else None)


@pytest.mark.parametrize("model", [Store, Customer, Order])
async def test_rows_by_id_are_the_rows_the_orm_reads(rows: None, model: type[Model]) -> None:
    # given: a few ids and more than are written once, each with one that does not exist
    every: list[int] = [row["id"] for row in await model.all().order_by("id").values("id")]
    assert len(every) > (MAX_WRITTEN_IDS if model is not Store else 1)
    for ids in (every[:3] + [10**9], every[: MAX_WRITTEN_IDS + 1] + [10**9]):
        # when
        found = await rows_by_id(model, ids)
        # then
        expected = await model.filter(pk__in=ids)
        assert sorted(map(_fields, found), key=str) == sorted(map(_fields, expected), key=str)
        assert {row.pk for row in found} == set(ids) - {10**9}
