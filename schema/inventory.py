"""Inventory (G2) in the graph: stock items, their movements, recipes and purchase orders."""

from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from models.catalogue import Product as ProductModel
from models.inventory import (
    PurchaseOrder as PurchaseOrderModel,
    StockItem as StockItemModel,
    StockMovement as StockMovementModel,
)
from resolvers import inventory
from schema.catalogue import Product, StockUse
from schema.enums import PurchaseOrderStatus, StockReason
from schema.errors import result
from schema.ids import decode_id, global_id, optional_pk_of, pk_of
from schema.inputs import provided
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class StockMovement:
    reason: StockReason
    delta: int
    quantity_after: int
    note: str
    order_id: relay.GlobalID | None
    actor_id: relay.GlobalID | None = strawberry.field(description="The account; null for a key.")
    created_at: datetime

    @classmethod
    def from_model(cls, movement: StockMovementModel) -> StockMovement:
        return cls(
            reason=movement.reason,
            delta=movement.delta,
            quantity_after=movement.quantity_after,
            note=movement.note,
            order_id=global_id("Order", movement.order_id),
            actor_id=global_id("Account", movement.actor_id),
            created_at=movement.created_at,
        )


@strawberry.type
class StockMovementConnection(Connection[StockMovement]):
    pass


@strawberry.type
class StockItem(relay.Node):
    id: relay.NodeID[int]
    name: str
    unit: str
    base_quantity: int = strawberry.field(description="The usual order quantity.")
    quantity: int
    unit_price: int = strawberry.field(description="Won per unit when reordered (off campaign).")
    campaign_id: relay.GlobalID | None = strawberry.field(
        description="The cup-holder campaign this item is the supply of."
    )
    alert_threshold: int = strawberry.field(
        description="30% of the base quantity: at or below it, one stock alert is raised."
    )
    below_threshold: bool
    updated_at: datetime

    @classmethod
    def from_model(cls, item: StockItemModel) -> StockItem:
        return cls(
            id=item.id,
            name=item.name,
            unit=item.unit,
            base_quantity=item.base_quantity,
            quantity=item.quantity,
            unit_price=item.unit_price,
            campaign_id=global_id("CupHolderCampaign", item.campaign_id),
            alert_threshold=inventory.alert_threshold(item.base_quantity),
            below_threshold=inventory.is_low(item.quantity, item.base_quantity),
            updated_at=item.updated_at,
        )

    @field(description="What changed its quantity and why, newest first.")
    async def movements(
        self, first: int | None = None, after: str | None = None
    ) -> StockMovementConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await inventory.movements_page(
            stock_item_id=self.id, size=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            StockMovementConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=StockMovement.from_model,
            has_previous=cursor is not None,
            total=StockMovementModel.filter(stock_item_id=self.id).count,
        )


@strawberry.type
class StockItemConnection(Connection[StockItem]):
    pass


@strawberry.type
class PurchaseOrder(relay.Node):
    id: relay.NodeID[int]
    stock_item_id: relay.GlobalID
    percent: int
    quantity: int
    unit_price: int = strawberry.field(description="The campaign price for a campaign supply.")
    total: int
    campaign_id: relay.GlobalID | None
    status: PurchaseOrderStatus
    created_at: datetime

    @classmethod
    def from_model(cls, order: PurchaseOrderModel) -> PurchaseOrder:
        return cls(
            id=order.id,
            stock_item_id=relay.GlobalID("StockItem", str(order.stock_item_id)),
            percent=order.percent,
            quantity=order.quantity,
            unit_price=order.unit_price,
            total=order.total,
            campaign_id=global_id("CupHolderCampaign", order.campaign_id),
            status=order.status,
            created_at=order.created_at,
        )


@strawberry.type
class PurchaseOrderConnection(Connection[PurchaseOrder]):
    pass


@strawberry.input
class CreateStockItemInput:
    store_id: relay.GlobalID
    name: str
    unit: str
    base_quantity: int
    quantity: int = 0
    unit_price: int = 0
    campaign_id: relay.GlobalID | None = None


@strawberry.input
class UpdateStockItemInput:
    stock_item_id: relay.GlobalID
    name: str | None = strawberry.UNSET
    unit: str | None = strawberry.UNSET
    base_quantity: int | None = strawberry.UNSET
    unit_price: int | None = strawberry.UNSET
    campaign_id: relay.GlobalID | None = strawberry.field(
        default=strawberry.UNSET, description="null: no longer a campaign supply."
    )


@strawberry.input(description="RECEIVED adds quantity, WASTED takes it away, COUNTED sets it.")
class AdjustStockInput:
    stock_item_id: relay.GlobalID
    reason: StockReason
    quantity: int
    note: str = ""


@strawberry.input
class ReorderStockInput:
    stock_item_id: relay.GlobalID
    percent: int = strawberry.field(description="100, 150 or 200 (% of the base quantity).")
    idempotency_key: str


@strawberry.input
class StockUseInput:
    stock_item_id: relay.GlobalID
    quantity: int = strawberry.field(description="Units used per product sold.")


@strawberry.input
class SetProductStockUseInput:
    product_id: relay.GlobalID
    uses: list[StockUseInput] = strawberry.field(description="The whole recipe; [] clears it.")


@strawberry.type
class StockItemSuccess:
    stock_item: StockItem


@strawberry.type
class ReorderStockSuccess:
    purchase_order: PurchaseOrder


@strawberry.type
class SetProductStockUseSuccess:
    product: Product
    uses: list[StockUse]


CreateStockItemResult = result(
    "CreateStockItemResult",
    StockItemSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.AlreadyExists,
)
UpdateStockItemResult = result(
    "UpdateStockItemResult",
    StockItemSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.AlreadyExists,
)
AdjustStockResult = result(
    "AdjustStockResult",
    StockItemSuccess,
    errors.InvalidInput,
    errors.NotFound,
    inventory.OutOfStock,
)
ReorderStockResult = result(
    "ReorderStockResult",
    ReorderStockSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)
SetProductStockUseResult = result(
    "SetProductStockUseResult", SetProductStockUseSuccess, errors.InvalidInput, errors.NotFound
)

_item_store = owner_store_of("input.stock_item_id", StockItemModel, "StockItem")


def _item_pk(value: relay.GlobalID) -> int:
    return decode_id(value, "StockItem")


@strawberry.type
class Mutation:
    @mutation(
        "inventory.update",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateStockItemResult,
    )
    async def create_stock_item(self, info: Info, input: CreateStockItemInput) -> StockItemSuccess:
        created = await inventory.create_stock_item(
            info.context,
            inventory.StockItemInput(
                store_id=decode_id(input.store_id, "Store"),
                name=input.name,
                unit=input.unit,
                base_quantity=input.base_quantity,
                quantity=input.quantity,
                unit_price=input.unit_price,
                campaign_id=optional_pk_of(
                    input.campaign_id, "CupHolderCampaign", field="campaign_id"
                ),
            ),
        )
        return StockItemSuccess(stock_item=StockItem.from_model(created))

    @mutation(
        "inventory.update", store=_item_store, absent="stock item", result=UpdateStockItemResult
    )
    async def update_stock_item(self, info: Info, input: UpdateStockItemInput) -> StockItemSuccess:
        values = provided(input, "stock_item_id", nullable=("campaign_id",))
        campaign = values.pop("campaign_id", strawberry.UNSET)
        changes = inventory.StockItemChanges(
            **values,
            campaign_id=None
            if campaign is None or campaign is strawberry.UNSET
            else pk_of(campaign, "CupHolderCampaign", field="campaign_id"),
            clear_campaign=campaign is None,
        )
        updated = await inventory.update_stock_item(
            info.context, stock_item_id=_item_pk(input.stock_item_id), changes=changes
        )
        return StockItemSuccess(stock_item=StockItem.from_model(updated))

    @mutation("inventory.update", store=_item_store, absent="stock item", result=AdjustStockResult)
    async def adjust_stock(self, info: Info, input: AdjustStockInput) -> StockItemSuccess:
        adjusted = await inventory.adjust_stock(
            info.context,
            stock_item_id=_item_pk(input.stock_item_id),
            reason=input.reason,
            quantity=input.quantity,
            note=input.note,
        )
        return StockItemSuccess(stock_item=StockItem.from_model(adjusted))

    @mutation(
        "inventory.reorder", store=_item_store, absent="stock item", result=ReorderStockResult
    )
    async def reorder_stock(self, info: Info, input: ReorderStockInput) -> ReorderStockSuccess:
        order = await inventory.reorder_stock(
            info.context,
            stock_item_id=_item_pk(input.stock_item_id),
            percent=input.percent,
            idempotency_key=input.idempotency_key,
        )
        return ReorderStockSuccess(purchase_order=PurchaseOrder.from_model(order))

    @mutation(
        "products.manage",
        store=owner_store_of("input.product_id", ProductModel, "Product"),
        absent="product",
        result=SetProductStockUseResult,
    )
    async def set_product_stock_use(
        self, info: Info, input: SetProductStockUseInput
    ) -> SetProductStockUseSuccess:
        product_id = decode_id(input.product_id, "Product")
        uses = await inventory.set_product_stock_use(
            info.context,
            product_id=product_id,
            uses=[
                (
                    pk_of(use.stock_item_id, "StockItem", field=f"uses.{i}.stock_item_id"),
                    use.quantity,
                )
                for i, use in enumerate(input.uses)
            ],
        )
        product = await ProductModel.get(id=product_id)
        return SetProductStockUseSuccess(
            product=Product.from_model(product), uses=[StockUse.from_model(u) for u in uses]
        )


@strawberry.type
class StoreInventory(StoreProfile):
    @query("inventory.read", store=source_store())
    async def stock_items(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> StockItemConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await inventory.stock_items_page(
            store_id=self.id, size=size, after_id=cursor[0] if cursor else None
        )
        return connection(
            StockItemConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=StockItem.from_model,
            has_previous=cursor is not None,
            total=StockItemModel.filter(store_id=self.id).count,
        )

    @query("inventory.read", store=source_store())
    async def purchase_orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> PurchaseOrderConnection:
        size = page_size(first)
        cursor = decode_cursor(after, (int,))
        rows = await inventory.purchase_orders_page(
            store_id=self.id, size=size, before_id=cursor[0] if cursor else None
        )
        return connection(
            PurchaseOrderConnection,
            rows,
            size,
            key=lambda row: [row.id],
            node=PurchaseOrder.from_model,
            has_previous=cursor is not None,
            total=PurchaseOrderModel.filter(store_id=self.id).count,
        )
