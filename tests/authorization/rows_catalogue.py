"""The catalogue (C1): read by everyone of the store and its partner key,
managed by owners and managers."""

from __future__ import annotations

from models.catalogue import Category
from tests.authorization.table import (
    ABSENT,
    FORBIDDEN,
    OK,
    UNAUTHENTICATED,
    Expectations,
    Row,
    World,
)
from tests.client import gid
from tests.orders import factories

STORE_PRODUCTS = "query($id: ID!) { store(id: $id) { id products { edges { node { id } } } } }"
STORE_CATEGORIES = "query($id: ID!) { store(id: $id) { id categories { id } } }"
NODE_PRODUCT = "query($id: ID!) { node(id: $id) { id ... on Product { name } } }"
NODE_CATEGORY = "query($id: ID!) { node(id: $id) { id ... on Category { name } } }"
CREATE_CATEGORY = """
mutation($input: CreateCategoryInput!) { createCategory(input: $input) { __typename } }
"""
CREATE_PRODUCT = """
mutation($input: CreateProductInput!) { createProduct(input: $input) { __typename } }
"""
UPDATE_PRODUCT = """
mutation($input: UpdateProductInput!) { updateProduct(input: $input) { __typename } }
"""


async def _product(w: World, target: str) -> str:
    return gid("Product", (await factories.product(w.store_id(target))).id)


async def _category(w: World, target: str) -> str:
    category = await Category.create(store_id=w.store_id(target), name=w.unique("category"))
    return gid("Category", category.id)


async def _node_product(w: World, target: str) -> dict:
    return {"id": await _product(w, target)}


async def _node_category(w: World, target: str) -> dict:
    return {"id": await _category(w, target)}


async def _update_product(w: World, target: str) -> dict:
    return {"input": {"productId": await _product(w, target), "price": 5200, "archived": True}}


READ = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(OK, ABSENT),
    partner=(OK, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)
MANAGE = Expectations(
    #             own        other
    admin=(OK, OK),
    owner=(OK, ABSENT),
    manager=(OK, ABSENT),
    staff=(FORBIDDEN, ABSENT),
    partner=(FORBIDDEN, ABSENT),
    anonymous=UNAUTHENTICATED,
    other_owner=(ABSENT, OK),
)

ROWS = [
    Row("Store.products", STORE_PRODUCTS, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Store.categories", STORE_CATEGORIES, lambda w, t: {"id": w.store(t)}, **READ),
    Row("Query.node", NODE_PRODUCT, _node_product, variant="Product", **READ),
    Row("Query.node", NODE_CATEGORY, _node_category, variant="Category", **READ),
    Row(
        "Mutation.createCategory",
        CREATE_CATEGORY,
        lambda w, t: {"input": {"storeId": w.store(t), "name": w.unique("category")}},
        **MANAGE,
    ),
    Row(
        "Mutation.createProduct",
        CREATE_PRODUCT,
        lambda w, t: {"input": {"storeId": w.store(t), "name": w.unique("menu"), "price": 4000}},
        **MANAGE,
    ),
    Row("Mutation.updateProduct", UPDATE_PRODUCT, _update_product, **MANAGE),
]
