"""A store's catalogue: categories and products (menu items) with their prices."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet

from core.context import Context
from core.database import write_transaction
from core.errors import AlreadyExists, InvalidInput, NotFound
from models.catalogue import Category, Product
from resolvers import audit

MAX_PRICE = 10_000_000
MAX_NAME = 100


@dataclass(frozen=True)
class ProductChanges:
    name: str | None = None
    price: int | None = None
    category_id: int | None = None
    clear_category: bool = False
    archived: bool | None = None


def _name(value: str, field: str = "name") -> str:
    name = value.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(f"A {field} of 1 to {MAX_NAME} characters is needed.", field=field)
    return name


def _price(value: int) -> int:
    if value < 0 or value > MAX_PRICE:
        raise InvalidInput(f"The price must be between 0 and {MAX_PRICE}.", field="price")
    return value


async def _category_in(store_id: int, category_id: int | None) -> int | None:
    if category_id is None:
        return None
    if not await Category.exists(id=category_id, store_id=store_id):
        raise NotFound("No such category.", field="category_id")
    return category_id


async def create_category(ctx: Context, *, store_id: int, name: str, position: int = 0) -> Category:
    name = _name(name)
    try:
        async with write_transaction():
            return await Category.create(store_id=store_id, name=name, position=position)
    except IntegrityError as exc:
        raise AlreadyExists(
            "This store already has a category of that name.", field="name"
        ) from exc


async def create_product(
    ctx: Context, *, store_id: int, name: str, price: int, category_id: int | None = None
) -> Product:
    name, price = _name(name), _price(price)
    async with write_transaction():
        category_id = await _category_in(store_id, category_id)
        return await Product.create(
            store_id=store_id, name=name, price=price, category_id=category_id
        )


async def update_product(ctx: Context, *, product_id: int, changes: ProductChanges) -> Product:
    values: dict[str, Any] = {}
    if changes.name is not None:
        values["name"] = _name(changes.name)
    if changes.price is not None:
        values["price"] = _price(changes.price)
    if changes.archived is not None:
        values["is_archived"] = changes.archived
    async with write_transaction():
        product = await Product.get_or_none(id=product_id)
        if product is None:
            raise NotFound("No such product.", field="product_id")
        store_id: int = product.store_id
        if changes.clear_category:
            values["category_id"] = None
        elif changes.category_id is not None:
            values["category_id"] = await _category_in(store_id, changes.category_id)
        if values:
            before = {"name": product.name, "price": product.price, "archived": product.is_archived}
            for name, value in values.items():
                setattr(product, name, value)
            await product.save()
            if "price" in values or "is_archived" in values:
                await audit.record(
                    ctx,
                    store_id=store_id,
                    action="products.manage",
                    target_type="product",
                    target_id=product_id,
                    before=before,
                    after={
                        "name": product.name,
                        "price": product.price,
                        "archived": product.is_archived,
                    },
                )
    return product


def products_query(*, store_id: int, include_archived: bool) -> QuerySet[Product]:
    query = Product.filter(store_id=store_id)
    return query if include_archived else query.filter(is_archived=False)


async def products_page(
    *, store_id: int, size: int, after_id: int | None, include_archived: bool
) -> list[Product]:
    query = products_query(store_id=store_id, include_archived=include_archived)
    if after_id is not None:
        query = query.filter(id__gt=after_id)
    return await query.order_by("id").limit(size + 1)


async def categories_of(store_id: int) -> list[Category]:
    return await Category.filter(store_id=store_id).order_by("position", "name", "id")
