from __future__ import annotations

from models.stores import Store, StoreCategory
from tests.client import Api, error_code, gid

CREATE = """
mutation ($input: CreateStoreInput!) {
  createStore(input: $input) {
    __typename
    ... on CreateStoreSuccess { store
      { id name commercialArea plan timeZone } ownerEmail temporaryPassword }
    ... on UserError { code field message }
  }
}
"""
UPDATE = """
mutation ($input: UpdateStoreInput!) {
  updateStore(input: $input) {
    __typename
    ... on UpdateStoreSuccess { store { name phone businessHours { day opens closes } } }
    ... on UserError { code field }
  }
}
"""
STORE = (
    "query ($id: ID!) { store(id: $id) { name auditLog { edges { node "
    "{ action before after actorEmail } } } } }"
)


def _new_store(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "name": "망원 커피",
        "category": "CAFE",
        "commercialArea": "망원동",
        "ownerEmail": "new-owner@dangol.test",
        "ownerName": "새 대표",
        "plan": "PLUS",
    }
    values.update(overrides)
    return {"input": values}


async def test_admin_creates_a_store_with_a_new_owner_who_can_sign_in(api: Api) -> None:
    # given
    admin = await api.token("admin@dangol.test")
    # when
    result = (await api.data(CREATE, _new_store(), token=admin))["createStore"]
    # then
    assert result["__typename"] == "CreateStoreSuccess"
    assert result["store"]["plan"] == "PLUS" and result["store"]["timeZone"] == "Asia/Seoul"
    password = result["temporaryPassword"]
    assert password
    owner = await api.token("new-owner@dangol.test", password)
    me = await api.data("{ me { memberships { roles store { name } } } }", token=owner)
    assert me["me"]["memberships"] == [{"roles": ["owner"], "store": {"name": "망원 커피"}}]


async def test_an_owner_cannot_create_stores_and_nothing_is_created(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    body = await api.gql(CREATE, _new_store(), token=owner)
    assert error_code(body) == "FORBIDDEN"
    admin = await api.token("admin@dangol.test")
    created = await api.data(
        "query ($id: ID!) { store(id: $id) { id } }", {"id": gid("Store", 3)}, token=admin
    )
    assert created["store"] is None


async def test_bad_store_input_is_a_typed_error(api: Api) -> None:
    admin = await api.token("admin@dangol.test")
    blank = (await api.data(CREATE, _new_store(name="  "), token=admin))["createStore"]
    zone = (await api.data(CREATE, _new_store(timeZone="Mars/Olympus"), token=admin))["createStore"]
    email = (await api.data(CREATE, _new_store(ownerEmail="not-an-email"), token=admin))[
        "createStore"
    ]
    assert (blank["code"], blank["field"]) == ("INVALID_INPUT", "name")
    assert (zone["code"], zone["field"]) == ("INVALID_INPUT", "timeZone")
    assert (email["code"], email["field"]) == ("INVALID_INPUT", "email")


async def test_owner_updates_their_store_and_the_change_is_audited(api: Api) -> None:
    # given
    owner = await api.token("owner1@dangol.test")
    # when
    result = await api.data(
        UPDATE,
        {
            "input": {
                "storeId": gid("Store", 1),
                "phone": "02-1234-5678",
                "businessHours": [{"day": "MON", "opens": "09:00", "closes": "21:00"}],
            }
        },
        token=owner,
    )
    # then
    store = result["updateStore"]["store"]
    assert store["phone"] == "02-1234-5678"
    assert store["businessHours"] == [{"day": "MON", "opens": "09:00", "closes": "21:00"}]
    log = (await api.data(STORE, {"id": gid("Store", 1)}, token=owner))["store"]["auditLog"][
        "edges"
    ]
    entry = log[0]["node"]
    assert entry["action"] == "store.update"
    assert entry["before"]["phone"] == "02-555-0001" and entry["after"]["phone"] == "02-1234-5678"
    assert entry["actorEmail"] == "owner1@dangol.test"


async def test_an_owner_cannot_update_another_store_and_learns_nothing(api: Api) -> None:
    owner = await api.token("owner1@dangol.test")
    result = await api.data(
        UPDATE, {"input": {"storeId": gid("Store", 2), "name": "탈취"}}, token=owner
    )
    assert result["updateStore"]["code"] == "NOT_FOUND"
    other = await api.token("owner2@dangol.test")
    name = (await api.data(STORE, {"id": gid("Store", 2)}, token=other))["store"]["name"]
    assert name == "성수 베이커리"


async def test_a_manager_sees_the_store_but_may_not_update_it(api: Api) -> None:
    manager = await api.token("manager1@dangol.test")
    body = await api.gql(
        UPDATE, {"input": {"storeId": gid("Store", 1), "name": "x"}}, token=manager
    )
    assert error_code(body) == "FORBIDDEN"
    store = await api.data(
        "query ($id: ID!) { store(id: $id) { name } }", {"id": gid("Store", 1)}, token=manager
    )
    assert store["store"]["name"] == "카페 단골 성수점"


async def test_an_admin_pages_through_every_store_and_an_owner_cannot(api: Api) -> None:
    # given the demo stores and a third
    await Store.create(name="세 번째 가게", category=StoreCategory.CAFE, commercial_area="망원동")
    query = """query($after: String) { stores(first: 2, after: $after) {
      totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""
    admin = await api.token("admin@dangol.test")
    # when
    first = (await api.data(query, token=admin))["stores"]
    after = first["pageInfo"]["endCursor"]
    second = (await api.data(query, {"after": after}, token=admin))["stores"]
    refused = await api.gql(query, token=await api.token("owner1@dangol.test"))
    # then
    names = [e["node"]["name"] for e in first["edges"] + second["edges"]]
    assert names == [s.name for s in await Store.all().order_by("id")]
    assert first["totalCount"] == 3 and first["pageInfo"]["hasNextPage"]
    assert not second["pageInfo"]["hasNextPage"]
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
