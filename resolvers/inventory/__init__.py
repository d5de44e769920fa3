"""Inventory (G2): stock items, adjustments, recipes, stock taken by orders, alerts, reorders."""

from resolvers.inventory.items import (
    ADJUSTMENT_REASONS,
    StockItemChanges,
    StockItemInput,
    adjust_stock,
    create_stock_item,
    movements_page,
    set_product_stock_use,
    stock_items_page,
    update_stock_item,
    uses_of,
)
from resolvers.inventory.orders import (
    check_available,
    give_back_for_order,
    sold_out,
    take_for_order,
)
from resolvers.inventory.reorders import PERCENTS, purchase_orders_page, reorder_stock
from resolvers.inventory.stock import OutOfStock, alert_threshold, is_low

__all__ = [
    "ADJUSTMENT_REASONS",
    "PERCENTS",
    "OutOfStock",
    "StockItemChanges",
    "StockItemInput",
    "adjust_stock",
    "alert_threshold",
    "check_available",
    "create_stock_item",
    "give_back_for_order",
    "is_low",
    "movements_page",
    "purchase_orders_page",
    "reorder_stock",
    "set_product_stock_use",
    "sold_out",
    "stock_items_page",
    "take_for_order",
    "update_stock_item",
    "uses_of",
]
