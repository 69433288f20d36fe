"""Schemas other apps' APIs build on (an api module never imports another app's api)."""

from wms_sales.common.schemas import Schema


class ProductInWarehouseOut(Schema):
    """Which product in which warehouse, for anything with ``product`` and ``warehouse``."""

    product_id: int
    sku: str
    product_name: str
    warehouse_id: int
    warehouse_code: str

    @staticmethod
    def resolve_sku(obj) -> str:
        return obj.product.sku

    @staticmethod
    def resolve_product_name(obj) -> str:
        return obj.product.name

    @staticmethod
    def resolve_warehouse_code(obj) -> str:
        return obj.warehouse.code
