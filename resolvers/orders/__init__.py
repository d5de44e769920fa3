"""Orders: creation with server-computed amounts, the status flow, and visits."""

from resolvers.orders.create import LineRequest, OrderRequest, create_order
from resolvers.orders.queries import OrderFilter, orders_page
from resolvers.orders.status import advance_order, cancel_order, refund_order

__all__ = [
    "LineRequest",
    "OrderFilter",
    "OrderRequest",
    "advance_order",
    "cancel_order",
    "create_order",
    "orders_page",
    "refund_order",
]
