"""Schemas other apps' APIs build on (an api module never imports another app's api)."""

from typing import Protocol

from wms_sales.catalog.models import Product
from wms_sales.common.schemas import Schema

from .models import Warehouse


class AtProductAndWarehouse(Protocol):
    """A row about one product in one warehouse (a stock level, an order line …)."""

    product: Product
    warehouse: Warehouse


class ProductInWarehouseOut(Schema):
    """Which product in which warehouse, for anything with ``product`` and ``warehouse``."""

    product_id: int
    sku: str
    product_name: str
    warehouse_id: int
    warehouse_code: str

    @staticmethod
    def resolve_sku(obj: AtProductAndWarehouse) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj: AtProductAndWarehouse) -> str:
        return obj.product.name

    @staticmethod
    def resolve_warehouse_code(obj: AtProductAndWarehouse) -> str:
        return obj.warehouse.code
