"""Reads shaped for the UI screens that combine several areas (the home page)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wms_sales.catalog.selectors import product_list
from wms_sales.customers.models import CustomerStatus
from wms_sales.customers.selectors import customer_list
from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.selectors import stock_levels, warehouse_list

# There is no per-product reorder point yet; one threshold flags what needs attention.
LOW_STOCK_AT = Decimal("10")


@dataclass(frozen=True)
class Dashboard:
    active_customers: int
    active_products: int
    active_warehouses: int
    low_stock_at: Decimal
    low_stock_count: int
    low_stock: list[StockLevel]


def dashboard(*, low_stock_at: Decimal = LOW_STOCK_AT, limit: int = 10) -> Dashboard:
    low = stock_levels().filter(available_qty__lte=low_stock_at, product__active=True,
                                warehouse__active=True)
    return Dashboard(
        active_customers=customer_list(status=CustomerStatus.ACTIVE).count(),
        active_products=product_list(active=True).count(),
        active_warehouses=warehouse_list(active=True).count(),
        low_stock_at=low_stock_at,
        low_stock_count=low.count(),
        low_stock=list(low.order_by("available_qty", "product__sku", "warehouse__code")[:limit]),
    )
