"""A process keeps the store rows it read while the stores' version, which every request reads
with its credential, stays the same; any write of a store, however made, counts a new version."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette

from core.auth import STORES_VERSION
from core.context import Context
from core.database import connection, write_transaction
from models.stores import Store, StoresVersion
from tests.client import Api, gid
from tests.statements import recorded

NAME = "query ($id: ID!) { store(id: $id) { name } }"
RENAME = """mutation ($input: UpdateStoreInput!) { updateStore(input: $input) {
  __typename ... on UpdateStoreSuccess { store { name } } } }"""


def _store_reads(sent: list[tuple[str, Any]]) -> int:
    return sum(1 for query, _ in sent if 'FROM "store"' in query)


async def _version() -> int:
    row = await StoresVersion.get_or_none(id=1)
    return row.version if row else 0


async def test_a_store_read_once_is_not_read_again_while_no_store_changes(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    with recorded() as first:
        await api.data(NAME, {"id": gid("Store", 1)}, token=token)
    # when
    with recorded() as again:
        answer = await api.data(NAME, {"id": gid("Store", 1)}, token=token)
    # then: the credential's statement alone (it reads the stores' version)
    assert answer["store"]["name"]
    assert _store_reads(first) == 1
    assert _store_reads(again) == 0 and len(again) == 1


async def test_a_store_written_outside_the_api_is_read_again(api: Api) -> None:
    # given a kept row
    token = await api.token("owner1@dangol.test")
    before = (await api.data(NAME, {"id": gid("Store", 1)}, token=token))["store"]["name"]
    # when another process (here raw SQL) renames the store
    await connection().execute_query('UPDATE "store" SET "name" = \'새 이름\' WHERE "id" = 1')
    # then the next request reads the new name
    after = (await api.data(NAME, {"id": gid("Store", 1)}, token=token))["store"]["name"]
    assert before != "새 이름" and after == "새 이름"


async def test_a_store_renamed_through_the_api_is_read_again(api: Api) -> None:
    # given a kept row
    token = await api.token("owner1@dangol.test")
    await api.data(NAME, {"id": gid("Store", 1)}, token=token)
    # when the owner renames the store
    renamed = await api.data(
        RENAME, {"input": {"storeId": gid("Store", 1), "name": "바뀐 카페"}}, token=token
    )
    # then the answer and the next request show the new name
    assert renamed["updateStore"]["store"]["name"] == "바뀐 카페"
    again = await api.data(NAME, {"id": gid("Store", 1)}, token=token)
    assert again["store"]["name"] == "바뀐 카페"


async def test_every_insert_update_and_delete_of_a_store_counts_a_version(app: Starlette) -> None:
    # given
    start = await _version()
    # when
    created = await Store.create(name="새 가게", category="CAFE", commercial_area="망원동")
    after_insert = await _version()
    await Store.filter(id=created.id).update(name="다른 가게")
    after_update = await _version()
    await Store.filter(id=created.id).delete()
    after_delete = await _version()
    # then
    assert (after_insert, after_update, after_delete) == (start + 1, start + 2, start + 3)


async def test_inside_a_transaction_a_store_is_read_not_taken_from_what_is_kept(
    app: Starlette,
) -> None:
    # given a request's loaders keeping store rows at the current version, with store 1 kept
    services = app.state.services
    ctx = Context(services=services)
    ctx.loaders.keep_rows(Store, services.stores, await _version(), STORES_VERSION)
    kept = await ctx.loaders.rows(Store).load(1)
    assert kept is not None
    # when the store is renamed in a transaction that reads it afterwards
    async with write_transaction():
        await Store.filter(id=1).update(name="거래 중")
        ctx.loaders.rows(Store).clear(1)
        inside = await ctx.loaders.rows(Store).load(1)
    # then the transaction saw its own write
    assert inside is not None and inside.name == "거래 중" and kept.name != "거래 중"


async def test_kept_stores_are_answered_without_waiting_for_a_batch(app: Starlette) -> None:
    # given a request's loaders keeping store rows, stores 1 and 2 read once
    services = app.state.services
    version = await _version()
    first = Context(services=services)
    first.loaders.keep_rows(Store, services.stores, version, STORES_VERSION)
    await first.loaders.rows(Store).load_many([1, 2])
    # when the next request asks for them, and for a store that is not kept
    ctx = Context(services=services)
    ctx.loaders.keep_rows(Store, services.stores, version, STORES_VERSION)
    kept = ctx.loaders.rows(Store).load_many([2, 1])
    mixed = ctx.loaders.rows(Store).load_many([1, 999_999])
    # then the kept ones are there before any turn of the loop; the others come from a batch
    assert isinstance(kept, asyncio.Future) and kept.done()
    assert [store.id for store in kept.result()] == [2, 1]
    assert not (isinstance(mixed, asyncio.Future) and mixed.done())
    found = await mixed
    assert found[0] is not None and found[0].id == 1 and found[1] is None
