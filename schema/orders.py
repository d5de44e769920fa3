from __future__ import annotations

from datetime import datetime

import strawberry
from strawberry import relay
from strawberry.types import Info

from core import errors
from core.errors import BadUserInput, NotFound as NotFoundError
from models.accounts import Account as AccountModel
from models.catalogue import Product as ProductModel
from models.orders import (
    Order as OrderModel,
    OrderDiscount as OrderDiscountModel,
    OrderLine as OrderLineModel,
)
from resolvers import inventory, orders
from resolvers.orders import attach, queries as order_queries
from schema.accounts import Account
from schema.catalogue import Product
from schema.customers.types import CustomerProfile, customer_store
from schema.enums import DiscountSource, OrderChannel, OrderStatus
from schema.errors import result
from schema.ids import Absent, decode_id, global_id
from schema.operations import field, mutation, query
from schema.pagination import Connection, connection, decode_cursor, page_size
from schema.scopes import owner_store_of, source_store, store_id_at
from schema.stores import StoreProfile


@strawberry.type
class OrderLine:
    product_pk: strawberry.Private[int]
    product_name: str = strawberry.field(description="As it was when ordered.")
    unit_price: int = strawberry.field(description="As it was when ordered.")
    quantity: int
    line_total: int

    @classmethod
    def from_model(cls, line: OrderLineModel) -> "OrderLine":
        return cls(
            product_pk=line.product_id,
            product_name=line.product_name,
            unit_price=line.unit_price,
            quantity=line.quantity,
            line_total=line.line_total,
        )

    @strawberry.field
    def product_id(self) -> relay.GlobalID:
        return global_id("Product", self.product_pk)

    @field(description="The catalogue entry today (it may since be archived).")
    async def product(self, info: Info) -> Product | None:
        found = await info.context.loaders.rows(ProductModel).load(self.product_pk)
        return Product.from_model(found) if found else None


@strawberry.type(description="A benefit applied at checkout, in the order it was applied.")
class OrderDiscount:
    source: DiscountSource
    description: str
    amount: int = strawberry.field(description="Won taken off the order (0 for a gift item).")
    reference_id: relay.GlobalID | None = strawberry.field(
        description="The tier, coupon, redemption or first-visit offer."
    )

    @classmethod
    def from_model(cls, d: OrderDiscountModel) -> "OrderDiscount":
        kinds = {
            DiscountSource.TIER: "Tier",
            DiscountSource.COUPON: "Coupon",
            DiscountSource.REWARD: "Redemption",
            DiscountSource.FIRST_VISIT: "FirstVisitOffer",
        }
        return cls(
            source=d.source,
            description=d.description,
            amount=d.amount,
            reference_id=global_id(kinds[DiscountSource(d.source)], d.reference_id),
        )


@strawberry.type
class Order(relay.Node):
    id: relay.NodeID[int]
    channel: OrderChannel
    status: OrderStatus
    pickup_at: datetime | None
    subtotal: int
    discount_total: int
    total: int
    refunded_amount: int
    is_first_visit: bool = strawberry.field(
        description="The first completed order of its customer in this store."
    )
    customer_id: relay.GlobalID | None
    created_by_api_key_id: relay.GlobalID | None
    created_at: datetime
    updated_at: datetime
    completed_at: datetime | None
    cancelled_at: datetime | None
    refunded_at: datetime | None
    created_by_pk: strawberry.Private[int | None]
    completed_by_pk: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, order: OrderModel) -> "Order":
        return cls(
            id=order.id,
            channel=order.channel,
            status=order.status,
            pickup_at=order.pickup_at,
            subtotal=order.subtotal,
            discount_total=order.discount_total,
            total=order.total,
            refunded_amount=order.refunded_amount,
            is_first_visit=order.is_first_visit,
            customer_id=global_id("Customer", order.customer_id),
            created_by_api_key_id=global_id("ApiKey", order.created_by_api_key_id),
            created_at=order.created_at,
            updated_at=order.updated_at,
            completed_at=order.completed_at,
            cancelled_at=order.cancelled_at,
            refunded_at=order.refunded_at,
            created_by_pk=order.created_by_id,
            completed_by_pk=order.completed_by_id,
        )

    @strawberry.field
    async def lines(self, info: Info) -> list[OrderLine]:
        return [
            OrderLine.from_model(line)
            for line in await info.context.loaders.children(OrderLineModel, "order_id").load(
                self.id
            )
        ]

    @field(description="Tier discount, coupon, rewards, first-visit offer, as applied.")
    async def discounts(self, info: Info) -> list[OrderDiscount]:
        found = await info.context.loaders.children(OrderDiscountModel, "order_id").load(self.id)
        return [OrderDiscount.from_model(d) for d in sorted(found, key=lambda d: d.position)]

    @field(description="The account that took the order (null for a partner key).")
    async def created_by(self, info: Info) -> Account | None:
        return await _account(info, self.created_by_pk)

    @field(description="The account that completed the order.")
    async def completed_by(self, info: Info) -> Account | None:
        return await _account(info, self.completed_by_pk)


async def _account(info: Info, pk: int | None) -> Account | None:
    if pk is None:
        return None
    found = await info.context.loaders.rows(AccountModel).load(pk)
    return Account.from_model(found) if found else None


@strawberry.type
class OrderConnection(Connection[Order]):
    pass


@strawberry.input
class OrderFilter:
    status: OrderStatus | None = None
    channel: OrderChannel | None = None
    customer_id: relay.GlobalID | None = None


async def orders_connection(
    store_id: int, where: OrderFilter | None, first: int | None, after: str | None
) -> OrderConnection:
    size = page_size(first)
    cursor = decode_cursor(after, (datetime, int))
    where = where or OrderFilter()
    try:
        customer = None if where.customer_id is None else decode_id(where.customer_id, "Customer")
    except Absent as exc:
        raise BadUserInput("customerId is not a customer id.", field="filter.customer_id") from exc
    kept = orders.OrderFilter(status=where.status, channel=where.channel, customer_id=customer)
    rows = await orders.orders_page(store_id=store_id, size=size, after=cursor, where=kept)
    return connection(
        OrderConnection,
        rows,
        size,
        key=lambda row: [row.created_at, row.id],
        node=Order.from_model,
        has_previous=cursor is not None,
        total=order_queries.orders_query(store_id=store_id, where=kept).count,
    )


@strawberry.input
class OrderLineInput:
    product_id: relay.GlobalID
    quantity: int


@strawberry.input(description="No amounts: the server prices every line from the catalogue.")
class CreateOrderInput:
    store_id: relay.GlobalID
    channel: OrderChannel
    lines: list[OrderLineInput]
    idempotency_key: str
    customer_id: relay.GlobalID | None = None
    pickup_at: datetime | None = strawberry.field(
        default=None, description="Expected pickup time of online, pickup and delivery orders."
    )
    coupon_id: relay.GlobalID | None = strawberry.field(
        default=None, description="At most one coupon of the order's customer."
    )
    redemption_ids: list[relay.GlobalID] | None = strawberry.field(
        default=None, description="Approved redemptions of the order's customer to apply."
    )


@strawberry.input
class AdvanceOrderInput:
    order_id: relay.GlobalID
    to: OrderStatus


@strawberry.input
class CancelOrderInput:
    order_id: relay.GlobalID
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first cancellation."
    )
    reason: str | None = None


@strawberry.input
class RefundOrderInput:
    order_id: relay.GlobalID
    amount: int | None = strawberry.field(
        default=None, description="null refunds all that remains."
    )
    idempotency_key: str = strawberry.field(
        description="A retry with the same key answers the first refund and refunds nothing."
    )
    reason: str | None = None


@strawberry.type
class OrderSuccess:
    order: Order


CreateOrderResult = result(
    "CreateOrderResult",
    OrderSuccess,
    errors.InvalidInput,
    errors.NotFound,
    errors.ProductArchived,
    errors.IdempotencyKeyReused,
    errors.CouponExpired,
    errors.CouponAlreadyUsed,
    errors.CouponNotOwned,
    errors.CouponNotApplicable,
    errors.MinimumSpendNotMet,
    errors.RedemptionNotApproved,
    errors.RedemptionAlreadyApplied,
    errors.RedemptionOfAnotherCustomer,
    inventory.OutOfStock,
)
OrderTransitionResult = result(
    "OrderTransitionResult",
    OrderSuccess,
    errors.IllegalOrderTransition,
    errors.NotFound,
    inventory.OutOfStock,
)
CancelOrderResult = result(
    "CancelOrderResult",
    OrderSuccess,
    errors.IllegalOrderTransition,
    errors.NotFound,
    errors.InvalidInput,
    errors.IdempotencyKeyReused,
)
RefundOrderResult = result(
    "RefundOrderResult",
    OrderSuccess,
    errors.IllegalOrderTransition,
    errors.RefundExceedsRemaining,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)


def _pk(value: relay.GlobalID, type_name: str, field: str) -> int:
    try:
        return decode_id(value, type_name)
    except Absent as exc:
        raise NotFoundError(f"No such {type_name.lower()}.", field=field) from exc


def _order_request(input: CreateOrderInput) -> orders.OrderRequest:
    return orders.OrderRequest(
        store_id=decode_id(input.store_id, "Store"),
        channel=input.channel,
        lines=tuple(
            orders.LineRequest(
                product_id=_pk(line.product_id, "Product", f"lines.{index}.productId"),
                quantity=line.quantity,
            )
            for index, line in enumerate(input.lines)
        ),
        idempotency_key=input.idempotency_key,
        customer_id=None
        if input.customer_id is None
        else _pk(input.customer_id, "Customer", "customerId"),
        pickup_at=input.pickup_at,
        coupon_id=None if input.coupon_id is None else _pk(input.coupon_id, "Coupon", "couponId"),
        redemption_ids=tuple(
            _pk(value, "Redemption", f"redemptionIds.{index}")
            for index, value in enumerate(input.redemption_ids or [])
        ),
    )


_order_store = owner_store_of("input.order_id", OrderModel, "Order")


@strawberry.input
class AttachOrderCustomerInput:
    order_id: relay.GlobalID
    customer_id: relay.GlobalID
    idempotency_key: str


AttachOrderCustomerResult = result(
    "AttachOrderCustomerResult",
    OrderSuccess,
    errors.OrderHasCustomer,
    errors.OrderNotCompleted,
    errors.AttachWindowClosed,
    errors.InvalidInput,
    errors.NotFound,
    errors.IdempotencyKeyReused,
)


@strawberry.type
class Mutation:
    @mutation(
        "orders.attach_customer",
        store=_order_store,
        absent="order",
        result=AttachOrderCustomerResult,
        description=(
            "Give a completed order without a customer its customer (the phone typed after "
            "paying), within the store's window: the order then earns as at checkout."
        ),
    )
    async def attach_order_customer(
        self, info: Info, input: AttachOrderCustomerInput
    ) -> OrderSuccess:
        order = await attach.attach_customer(
            info.context,
            order_id=decode_id(input.order_id, "Order"),
            customer_id=_pk(input.customer_id, "Customer", "customerId"),
            idempotency_key=input.idempotency_key,
        )
        return OrderSuccess(order=Order.from_model(order))

    @mutation(
        "orders.create",
        store=store_id_at("input.store_id"),
        absent="store",
        result=CreateOrderResult,
    )
    async def create_order(self, info: Info, input: CreateOrderInput) -> OrderSuccess:
        order = await orders.create_order(info.context, _order_request(input))
        return OrderSuccess(order=Order.from_model(order))

    @mutation("orders.advance", store=_order_store, absent="order", result=OrderTransitionResult)
    async def advance_order(self, info: Info, input: AdvanceOrderInput) -> OrderSuccess:
        order = await orders.advance_order(
            info.context, order_id=decode_id(input.order_id, "Order"), to=input.to
        )
        return OrderSuccess(order=Order.from_model(order))

    @mutation("orders.cancel", store=_order_store, absent="order", result=CancelOrderResult)
    async def cancel_order(self, info: Info, input: CancelOrderInput) -> OrderSuccess:
        order = await orders.cancel_order(
            info.context,
            order_id=decode_id(input.order_id, "Order"),
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return OrderSuccess(order=Order.from_model(order))

    @mutation("orders.refund", store=_order_store, absent="order", result=RefundOrderResult)
    async def refund_order(self, info: Info, input: RefundOrderInput) -> OrderSuccess:
        order = await orders.refund_order(
            info.context,
            order_id=decode_id(input.order_id, "Order"),
            amount=input.amount,
            reason=input.reason,
            idempotency_key=input.idempotency_key,
        )
        return OrderSuccess(order=Order.from_model(order))


@strawberry.type
class StoreOrders(StoreProfile):
    @query("orders.read", store=source_store())
    async def orders(
        self,
        info: Info,
        filter: OrderFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> OrderConnection:

        return await orders_connection(self.id, filter, first, after)


@strawberry.type
class CustomerOrders(CustomerProfile):
    @query("orders.read", store=customer_store)
    async def orders(
        self, info: Info, first: int | None = None, after: str | None = None
    ) -> OrderConnection:

        where = OrderFilter(customer_id=global_id("Customer", self.id))
        return await orders_connection(self.store_id, where, first, after)
