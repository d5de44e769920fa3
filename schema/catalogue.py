from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import NotFound as NotFoundError
from models.catalogue import Category as CategoryModel, Product as ProductModel
from models.inventory import ProductStockUse as StockUseModel
from resolvers import catalogue, inventory
from schema.errors import result
from schema.ids import Absent, decode_id
from schema.inputs import provided
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class Category(relay.Node):
    id: relay.NodeID[int]
    name: str
    position: int
    created_at: datetime

    @classmethod
    def from_model(cls, category: CategoryModel) -> "Category":
        return cls(
            id=category.id,
            name=category.name,
            position=category.position,
            created_at=category.created_at,
        )


@strawberry.type(description="A stock item a product uses, and how many units per product sold.")
class StockUse:
    stock_item_id: relay.GlobalID
    quantity: int

    @classmethod
    def from_model(cls, use: StockUseModel) -> "StockUse":
        return cls(
            stock_item_id=relay.GlobalID("StockItem", str(use.stock_item_id)),
            quantity=use.quantity,
        )


@strawberry.type
class Product(relay.Node):
    id: relay.NodeID[int]
    name: str
    price: int = strawberry.field(description="In the store currency's smallest unit.")
    is_archived: bool
    created_at: datetime
    updated_at: datetime
    category_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, product: ProductModel) -> "Product":
        return cls(
            id=product.id,
            name=product.name,
            price=product.price,
            is_archived=product.is_archived,
            created_at=product.created_at,
            updated_at=product.updated_at,
            category_pk=product.category_id,
        )

    @strawberry.field
    async def category(self, info: Info) -> Category | None:
        if self.category_pk is None:
            return None
        found = await info.context.loaders.rows(CategoryModel).load(self.category_pk)
        return Category.from_model(found) if found else None

    @field(description="The stock items one unit uses (confirming an order takes them).")
    async def stock_uses(self, info: Info) -> list[StockUse]:
        found = await info.context.loaders.children(StockUseModel, "product_id").load(self.id)
        return [StockUse.from_model(use) for use in found]

    @field(
        description="A stock item it uses is short for one unit: orders of it answer OUT_OF_STOCK."
    )
    async def sold_out(self, info: Info) -> bool:
        return bool(await info.context.loaders.batch(inventory.sold_out).load(self.id))


@strawberry.type
class ProductConnection(Connection[Product]):
    pass


async def products_connection(
    store_id: int, first: int | None, after: str | None, include_archived: bool
) -> ProductConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (int,))
    rows = await catalogue.products_page(
        store_id=store_id,
        size=size,
        after_id=cursor[0] if cursor else None,
        include_archived=include_archived,
    )
    return connection(
        ProductConnection,
        rows,
        size,
        key=lambda row: [row.id],
        node=Product.from_model,
        has_previous=cursor is not None,
        total=catalogue.products_query(store_id=store_id, include_archived=include_archived).count,
    )


async def categories_of(store_id: int) -> list[Category]:
    return [Category.from_model(row) for row in await catalogue.categories_of(store_id)]


def category_pk(value: relay.GlobalID | None) -> int | None:
    if value is None:
        return None
    try:
        return decode_id(value, "Category")
    except Absent as exc:
        raise NotFoundError("No such category.", field="categoryId") from exc


@strawberry.input
class CreateCategoryInput:
    store_id: relay.GlobalID
    name: str
    position: int = 0


@strawberry.input
class CreateProductInput:
    store_id: relay.GlobalID
    name: str
    price: int
    category_id: relay.GlobalID | None = None


@strawberry.input
class UpdateProductInput:
    product_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    price: int | None = strawberry.UNSET
    category_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="null takes the product out of its category."
    )
    archived: bool | None = strawberry.field(
        default=strawberry.UNSET,
        description="Archived products cannot be ordered but stay on past orders.",
    )


@strawberry.type
class CategorySuccess:
    category: Category


@strawberry.type
class ProductSuccess:
    product: Product


CreateCategoryResult = result(
    "CreateCategoryResult",
    CategorySuccess,
    errors.InvalidInput,
    errors.AlreadyExists,
    errors.NotFound,
)
CreateProductResult = result(
    "CreateProductResult",
    ProductSuccess,
    errors.InvalidInput,
    errors.NotFound,
)
UpdateProductResult = result(
    "UpdateProductResult",
    ProductSuccess,
    errors.InvalidInput,
    errors.NotFound,
)


@strawberry.type
class Mutation:
    @mutation(
        "products.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateCategoryResult,
    )
    async def create_category(self, info: Info, input: CreateCategoryInput) -> CategorySuccess:
        created = await catalogue.create_category(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            position=input.position,
        )
        return CategorySuccess(category=Category.from_model(created))

    @mutation(
        "products.manage",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateProductResult,
    )
    async def create_product(self, info: Info, input: CreateProductInput) -> ProductSuccess:
        created = await catalogue.create_product(
            info.context,
            store_id=decode_id(input.store_id, "Store"),
            name=input.name,
            price=input.price,
            category_id=category_pk(input.category_id),
        )
        return ProductSuccess(product=Product.from_model(created))

    @mutation(
        "products.manage",
        result=UpdateProductResult,
        store=owner_store_of("input.product_id", ProductModel, "Product"),
        absent="product",
    )
    async def update_product(self, info: Info, input: UpdateProductInput) -> ProductSuccess:
        given = provided(input, "product_id", nullable=("category_id",))
        changes = catalogue.ProductChanges(
            name=given.get("name"),
            price=given.get("price"),
            category_id=category_pk(given.get("category_id")),
            clear_category="category_id" in given and given["category_id"] is None,
            archived=given.get("archived"),
        )
        updated = await catalogue.update_product(
            info.context, product_id=decode_id(input.product_id, "Product"), changes=changes
        )
        return ProductSuccess(product=Product.from_model(updated))


@strawberry.type
class StoreCatalogue(StoreProfile):
    @query("products.read", store=source_store())
    async def products(
        self,
        info: Info,
        first: int | None = None,
        after: str | None = None,
        include_archived: bool = False,
    ) -> ProductConnection:

        return await products_connection(self.id, first, after, include_archived)

    @query("products.read", store=source_store())
    async def categories(self, info: Info) -> list[Category]:

        return await categories_of(self.id)
