"""The catalogue (C1): everyone of the store reads it; owners and managers keep it."""

from __future__ import annotations

from tests.authorization.table import ABSENT, FORBIDDEN, OK, UNAUTHENTICATED, Row, World

STORE_PRODUCTS = "query($id: ID!) { store(id: $id) { id products { edges { node { id } } } } }"
STORE_CATEGORIES = "query($id: ID!) { store(id: $id) { id categories { id name } } }"
NODE_PRODUCT = "query($id: ID!) { node(id: $id) { id ... on Product { name price } } }"
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


async def _product(w: World, target: str) -> dict:
    return {"id": await w.fresh_product(target)}


async def _category(w: World, target: str) -> dict:
    return {"id": await w.fresh_category(target)}


async def _update_product(w: World, target: str) -> dict:
    return {"input": {"productId": await w.fresh_product(target), "price": 5000}}


ROWS = [
    Row(
        "Store.products", STORE_PRODUCTS, lambda w, t: {"id": w.store(t)},
        #             own        other
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Store.categories", STORE_CATEGORIES, lambda w, t: {"id": w.store(t)},
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Query.node", NODE_PRODUCT, _product, variant="Product",
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Query.node", NODE_CATEGORY, _category, variant="Category",
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (OK,        ABSENT),
        partner=      (OK,        ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.createCategory", CREATE_CATEGORY,
        lambda w, t: {"input": {"storeId": w.store(t), "name": w.unique("분류")}},
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (FORBIDDEN, ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.createProduct", CREATE_PRODUCT,
        lambda w, t: {"input": {"storeId": w.store(t), "name": w.unique("상품"), "price": 3000}},
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (FORBIDDEN, ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
    Row(
        "Mutation.updateProduct", UPDATE_PRODUCT, _update_product,
        admin=        (OK,        OK),
        owner=        (OK,        ABSENT),
        manager=      (OK,        ABSENT),
        staff=        (FORBIDDEN, ABSENT),
        partner=      (FORBIDDEN, ABSENT),
        anonymous=    UNAUTHENTICATED,
        other_owner=  (ABSENT,    OK),
    ),
]
