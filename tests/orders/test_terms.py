"""A process keeps a store's loyalty terms while their version stays; every write of them, by
any process or by raw SQL, counts a new version, so the next completion applies the change."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from httpx import ASGITransport, AsyncClient

from app.main import create_app
from core.database import connection
from core.settings import Settings
from models.points import PointEntry, PointKind
from models.tiers import Tier
from schema.ids import decode_id
from tests.client import Api, gid, new_key
from tests.speed import paths

TERMS_TABLES = ("point_program", "stamp_card", "tier", "tier_program", "tier_promotion")
ORDER_TOTAL = 13_500  # the counter's order: 2 x 4,500 + 1 x 4,500
UPDATE_PROGRAM = """mutation($input: UpdatePointProgramInput!) { updatePointProgram(input: $input)
  { __typename } }"""
UPDATE_TIER_PROGRAM = """mutation($input: UpdateTierProgramInput!) {
  updateTierProgram(input: $input) { __typename } }"""
PROMOTE = """mutation($input: CreateTierPromotionInput!) { createTierPromotion(input: $input)
  { __typename ... on UserError { code message } } }"""


@pytest.fixture
async def other_process(settings: Settings) -> AsyncIterator[Api]:
    """A second app on the same database: another worker, with its own kept terms."""
    application = create_app(settings)
    async with (
        application.router.lifespan_context(application),
        AsyncClient(transport=ASGITransport(app=application), base_url="http://other") as client,
    ):
        yield Api(client)


async def _earned(order: str) -> int:
    rows = await PointEntry.filter(
        order_id=decode_id(order, "Order"), kind=PointKind.EARN
    ).values_list("amount", flat=True)
    return sum(int(amount) for amount in rows)  # type: ignore[call-overload]


async def _version() -> int:
    rows = await connection().execute_query_dict(
        'SELECT "version" FROM "store_terms" WHERE "store_id" = 1'
    )
    return int(rows[0]["version"]) if rows else 0


async def test_a_change_of_terms_through_another_process_applies_to_the_next_completion(
    api: Api, other_process: Api
) -> None:
    # given: this process completed orders at 1%, so it keeps the store's terms
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    before = await paths.counter(api, token, phones[0], products, paths.Requests())
    assert await _earned(before) == ORDER_TOTAL // 100
    # when another process raises the rate to 5%, then this one completes an order
    other_token = await other_process.token("owner1@dangol.test")
    changed = await other_process.data(
        UPDATE_PROGRAM, {"input": {"storeId": paths.STORE, "earnRateBp": 500}}, token=other_token
    )
    assert changed["updatePointProgram"]["__typename"] == "UpdatePointProgramSuccess", changed
    after = await paths.counter(api, token, phones[1], products, paths.Requests())
    # then
    assert await _earned(after) == ORDER_TOTAL * 5 // 100


async def test_a_promotion_started_through_another_process_multiplies_the_next_completion(
    api: Api, other_process: Api
) -> None:
    # given: this process keeps the store's terms, with no promotion
    token = await api.token("owner1@dangol.test")
    phones, products = await paths.counter_store(api, token)
    await paths.counter(api, token, phones[0], products, paths.Requests())
    silver = await Tier.get(store_id=1, rank=1)
    now = datetime.now(UTC)
    promotion = {
        "storeId": paths.STORE,
        "name": "x3",
        "fromTierId": gid("Tier", silver.id),
        "pointsMultiplierBp": 30_000,
        "startsAt": (now - timedelta(hours=1)).isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
        "idempotencyKey": new_key("promote"),
    }
    # when another process starts a x3 promotion for Silver and up, then this one completes
    other_token = await other_process.token("owner1@dangol.test")
    made = await other_process.data(PROMOTE, {"input": promotion}, token=other_token)
    assert made["createTierPromotion"]["__typename"] == "TierPromotionSuccess", made
    order = await paths.counter(api, token, phones[0], products, paths.Requests())
    # then (the customer holds Silver since their first order)
    assert await _earned(order) == ORDER_TOTAL // 100 * 3


@pytest.mark.parametrize("table", TERMS_TABLES)
async def test_every_write_of_a_terms_table_counts_a_version(api: Api, table: str) -> None:
    # given a row in each of the store's terms tables
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token)
    await api.data(
        UPDATE_TIER_PROGRAM, {"input": {"storeId": paths.STORE, "windowDays": 90}}, token=token
    )
    silver = await Tier.get(store_id=1, rank=1)
    now = datetime.now(UTC)
    await api.data(
        PROMOTE,
        {
            "input": {
                "storeId": paths.STORE,
                "name": "x2",
                "fromTierId": gid("Tier", silver.id),
                "pointsMultiplierBp": 20_000,
                "startsAt": now.isoformat(),
                "endsAt": (now + timedelta(days=1)).isoformat(),
                "idempotencyKey": new_key("promote"),
            }
        },
        token=token,
    )
    rows = await connection().execute_query_dict(
        f'SELECT COUNT(*) AS "n" FROM "{table}" WHERE "store_id" = 1'
    )
    count = int(rows[0]["n"])
    assert count >= 1
    # when raw SQL updates every row, changing nothing
    first = await _version()
    await connection().execute_script(f'UPDATE "{table}" SET "store_id" = "store_id"')
    # then each row written counted one version
    assert await _version() == first + count


async def test_deleting_a_stores_terms_counts_a_version(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    await paths.counter_store(api, token)
    first = await _version()
    # when raw SQL deletes the store's point programme
    await connection().execute_script('DELETE FROM "point_program" WHERE "store_id" = 1')
    # then
    assert await _version() == first + 1
