from __future__ import annotations

from typing import Any

from models.catalogue import Category, Product
from tests.client import Api, error_code, gid
from tests.orders import factories as f

CREATE_CATEGORY = """
mutation($input: CreateCategoryInput!) {
  createCategory(input: $input) {
    __typename ... on CategorySuccess { category { id name position } }
      ... on UserError { code field }
  }
}
"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) {
    __typename
    ... on ProductSuccess { product { id name price isArchived category { name } } }
    ... on UserError { code field }
  }
}
"""
UPDATE_PRODUCT = """
mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) {
    __typename
    ... on ProductSuccess { product { id name price isArchived category { name } } }
    ... on UserError { code field }
  }
}
"""
PRODUCTS = """
query($id: ID!, $first: Int, $after: String, $all: Boolean!) {
  store(id: $id) {
    products(first: $first, after: $after, includeArchived: $all) {
      edges { node { name price isArchived } }
      pageInfo { hasNextPage endCursor }
    }
    categories { name position }
  }
}
"""


async def _create_product(api: Api, token: str, **values: Any) -> dict[str, Any]:
    variables = {"input": {"storeId": gid("Store", 1), "name": "라떼", "price": 5000, **values}}
    return (await api.data(CREATE_PRODUCT, variables, token=token))["createProduct"]


async def test_owner_builds_a_menu_of_categories_and_products(api: Api) -> None:
    # given
    token = await api.token("owner1@dangol.test")
    variables = {"input": {"storeId": gid("Store", 1), "name": "커피", "position": 1}}
    category = (await api.data(CREATE_CATEGORY, variables, token=token))["createCategory"]
    # when
    created = await _create_product(api, token, categoryId=category["category"]["id"])
    listed = await api.data(PRODUCTS, {"id": gid("Store", 1), "all": False}, token=token)
    # then
    assert created["product"] == {
        "id": created["product"]["id"],
        "name": "라떼",
        "price": 5000,
        "isArchived": False,
        "category": {"name": "커피"},
    }
    assert listed["store"]["products"]["edges"] == [
        {"node": {"name": "라떼", "price": 5000, "isArchived": False}}
    ]
    assert listed["store"]["categories"] == [{"name": "커피", "position": 1}]


async def test_a_negative_price_is_refused_and_nothing_is_created(api: Api) -> None:
    # given
    token = await api.token("manager1@dangol.test")
    # when
    result = await _create_product(api, token, price=-1)
    # then
    assert result == {"__typename": "InvalidInput", "code": "INVALID_INPUT", "field": "price"}
    assert await Product.all().count() == 0


async def test_a_category_of_another_store_cannot_be_used(api: Api) -> None:
    # given
    other = await Category.create(store_id=f.STORE_2, name="빵")
    token = await api.token("owner1@dangol.test")
    # when
    result = await _create_product(api, token, categoryId=gid("Category", other.id))
    # then
    assert result["__typename"] == "NotFound"
    assert await Product.all().count() == 0


async def test_a_second_category_of_the_same_name_already_exists(api: Api) -> None:
    # given
    await Category.create(store_id=f.STORE_1, name="커피")
    token = await api.token("owner1@dangol.test")
    # when
    variables = {"input": {"storeId": gid("Store", 1), "name": " 커피 "}}
    result = (await api.data(CREATE_CATEGORY, variables, token=token))["createCategory"]
    # then
    assert result["__typename"] == "AlreadyExists"


async def test_an_archived_product_leaves_the_menu_until_asked_for(api: Api) -> None:
    # given
    product = await f.product(name="시즌 음료")
    token = await api.token("owner1@dangol.test")
    # when
    variables = {
        "input": {"productId": gid("Product", product.id), "archived": True, "price": 6000}
    }
    updated = (await api.data(UPDATE_PRODUCT, variables, token=token))["updateProduct"]
    menu = await api.data(PRODUCTS, {"id": gid("Store", 1), "all": False}, token=token)
    everything = await api.data(PRODUCTS, {"id": gid("Store", 1), "all": True}, token=token)
    # then
    assert updated["product"]["isArchived"] is True
    assert updated["product"]["price"] == 6000
    assert menu["store"]["products"]["edges"] == []
    assert [e["node"]["name"] for e in everything["store"]["products"]["edges"]] == ["시즌 음료"]


async def test_update_moves_a_product_out_of_its_category(api: Api) -> None:
    # given
    category = await Category.create(store_id=f.STORE_1, name="디저트")
    product = await Product.create(store_id=f.STORE_1, name="케이크", price=7000, category=category)
    token = await api.token("manager1@dangol.test")
    # when
    variables = {"input": {"productId": gid("Product", product.id), "categoryId": None}}
    updated = (await api.data(UPDATE_PRODUCT, variables, token=token))["updateProduct"]
    # then
    assert updated["product"]["category"] is None
    assert updated["product"]["name"] == "케이크"


async def test_products_page_by_keyset(api: Api) -> None:
    # given
    for number in range(5):
        await f.product(name=f"메뉴 {number}")
    token = await api.token("staff1@dangol.test")
    # when
    first = await api.data(PRODUCTS, {"id": gid("Store", 1), "first": 3, "all": False}, token=token)
    cursor = first["store"]["products"]["pageInfo"]["endCursor"]
    variables = {"id": gid("Store", 1), "first": 3, "after": cursor, "all": False}
    second = await api.data(PRODUCTS, variables, token=token)
    # then
    names = [e["node"]["name"] for e in first["store"]["products"]["edges"]]
    names += [e["node"]["name"] for e in second["store"]["products"]["edges"]]
    assert names == [f"메뉴 {number}" for number in range(5)]
    assert first["store"]["products"]["pageInfo"]["hasNextPage"] is True
    assert second["store"]["products"]["pageInfo"]["hasNextPage"] is False


async def test_staff_cannot_change_prices_and_nothing_changes(api: Api) -> None:
    # given
    product = await f.product(price=4500)
    token = await api.token("staff1@dangol.test")
    # when
    variables = {"input": {"productId": gid("Product", product.id), "price": 1}}
    body = await api.gql(UPDATE_PRODUCT, variables, token=token)
    # then
    assert error_code(body) == "FORBIDDEN"
    assert (await Product.get(id=product.id)).price == 4500


async def test_another_stores_product_is_absent(api: Api) -> None:
    # given
    product = await f.product(f.STORE_2, price=4500)
    token = await api.token("owner1@dangol.test")
    # when
    variables = {"input": {"productId": gid("Product", product.id), "price": 1}}
    result = (await api.data(UPDATE_PRODUCT, variables, token=token))["updateProduct"]
    # then
    assert result["__typename"] == "NotFound"
    assert (await Product.get(id=product.id)).price == 4500


async def test_a_null_price_is_refused_rather_than_ignored(api: Api) -> None:
    # given
    product = await f.product(price=4500)
    token = await api.token("owner1@dangol.test")
    # when
    variables = {"input": {"productId": gid("Product", product.id), "price": None}}
    result = (await api.data(UPDATE_PRODUCT, variables, token=token))["updateProduct"]
    # then
    assert (result["__typename"], result["field"]) == ("InvalidInput", "price")
    assert (await Product.get(id=product.id)).price == 4500
