from __future__ import annotations

import pytest
from tortoise import connections

from models.audit import AuditEntry, AuditEntryImmutable
from tests.client import Api, error_code, gid

STORE_LOG = (
    "query ($id: ID!) { store(id: $id) { auditLog { edges { node { action storeGlobalId } } } } }"
)
ALL_LOG = (
    "query ($store: ID) { auditLog(storeId: $store) { edges { node { action storeGlobalId } } } }"
)
UPDATE = "mutation ($input: UpdateStoreInput!) { updateStore(input: $input) { __typename } }"


async def _two_changes(api: Api) -> None:
    for number in (1, 2):
        owner = await api.token(f"owner{number}@dangol.test")
        await api.data(
            UPDATE,
            {"input": {"storeId": gid("Store", number), "phone": f"02-000-000{number}"}},
            token=owner,
        )


async def test_owners_read_their_store_log_and_admins_read_every_store(api: Api) -> None:
    # given
    await _two_changes(api)
    owner = await api.token("owner1@dangol.test")
    admin = await api.token("admin@dangol.test")
    # when
    own = (await api.data(STORE_LOG, {"id": gid("Store", 1)}, token=owner))["store"]["auditLog"][
        "edges"
    ]
    everything = (await api.data(ALL_LOG, {}, token=admin))["auditLog"]["edges"]
    one = (await api.data(ALL_LOG, {"store": gid("Store", 2)}, token=admin))["auditLog"]["edges"]
    # then
    assert [e["node"] for e in own] == [
        {"action": "store.update", "storeGlobalId": gid("Store", 1)}
    ]
    assert [e["node"]["storeGlobalId"] for e in everything] == [gid("Store", 2), gid("Store", 1)]
    assert [e["node"]["storeGlobalId"] for e in one] == [gid("Store", 2)]


async def test_managers_and_staff_cannot_read_the_log(api: Api) -> None:
    await _two_changes(api)
    for email in ("manager1@dangol.test", "staff1@dangol.test"):
        token = await api.token(email)
        assert (
            error_code(await api.gql(STORE_LOG, {"id": gid("Store", 1)}, token=token))
            == "FORBIDDEN"
        )
    owner = await api.token("owner1@dangol.test")
    assert error_code(await api.gql(ALL_LOG, {}, token=owner)) == "FORBIDDEN"


async def test_the_log_pages_with_keyset_cursors(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    for n in range(5):
        await api.data(
            UPDATE, {"input": {"storeId": gid("Store", 1), "phone": f"02-111-000{n}"}}, token=owner
        )
    query = """query ($id: ID!, $after: String) { store(id: $id) {
        auditLog(first: 2, after: $after) {
        edges { cursor node { after } } pageInfo { hasNextPage endCursor } } } }"""
    seen, after = [], None
    while True:
        page = (await api.data(query, {"id": gid("Store", 1), "after": after}, token=owner))[
            "store"
        ]["auditLog"]
        seen += [e["node"]["after"]["phone"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [f"02-111-000{n}" for n in reversed(range(5))]


async def test_nobody_can_edit_or_delete_an_entry(api: Api) -> None:
    # given
    await _two_changes(api)
    entry = await AuditEntry.all().first()
    assert entry is not None
    # when / then: neither the model nor the database lets it change
    entry.action = "forged"
    with pytest.raises(AuditEntryImmutable):
        await entry.save()
    with pytest.raises(AuditEntryImmutable):
        await entry.delete()
    with pytest.raises(Exception, match="append-only"):
        await connections.get("default").execute_query("UPDATE audit_entry SET action = 'forged'")
    with pytest.raises(Exception, match="append-only"):
        await connections.get("default").execute_query("DELETE FROM audit_entry")
    rows = await connections.get("default").execute_query_dict("SELECT action FROM audit_entry")
    assert [row["action"] for row in rows] == ["store.update", "store.update"]
