"""Customers made directly with the models, sealed with the test keys, for tests of any domain."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from core.database import connection, write_transaction
from models.customers import Customer, CustomerTag
from resolvers.customers.records import allocate_ids, sealed
from resolvers.pii import keys_for, normalise_phone
from tests.conftest import base_settings

_numbers = itertools.count(1)
KEYS = keys_for(base_settings("sqlite://:memory:"))


def unique_phone() -> str:
    n = next(_numbers)
    return f"010-{5000 + n // 10000:04d}-{n % 10000:04d}"


async def customer(
    store_id: int = 1,
    *,
    name: str = "홍길동",
    phone: str | None = None,
    tags: tuple[str, ...] = (),
    visit_count: int = 0,
    total_paid: int = 0,
    first_visit_at: datetime | None = None,
    last_visit_at: datetime | None = None,
    **extra: Any,
) -> Customer:
    e164 = normalise_phone(phone or unique_phone())
    async with write_transaction():
        [pk] = await allocate_ids(connection(), 1)
        row = await Customer.create(
            id=pk,
            store_id=store_id,
            tags=list(tags),
            visit_count=visit_count,
            total_paid=total_paid,
            first_visit_at=first_visit_at,
            last_visit_at=last_visit_at,
            **extra,
            **sealed(KEYS, store_id=store_id, customer_id=pk, name=name, phone=e164),
        )
        for tag in tags:
            await CustomerTag.create(store_id=store_id, customer_id=pk, tag=tag)
    return row
