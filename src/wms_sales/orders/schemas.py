"""Schemas other apps' APIs build on (an api module never imports another app's api)."""

from decimal import Decimal
from typing import Protocol

from wms_sales.common.schemas import Schema

from .models import SalesOrderLine


class OfOrderLine(Protocol):
    """A document line made from an order line (an outbound line, a return line)."""

    order_line: SalesOrderLine


class OrderLineItemOut(Schema):
    """A line of a document made from order lines (outbound, return): which order line and
    product it is, without repeating the product on the document."""

    id: int
    order_line_id: int
    line_no: int
    sku: str
    product_name: str
    unit: str
    quantity: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal

    @staticmethod
    def resolve_line_no(obj: OfOrderLine) -> int:
        return obj.order_line.line_no

    @staticmethod
    def resolve_sku(obj: OfOrderLine) -> str:
        return obj.order_line.product.sku

    @staticmethod
    def resolve_product_name(obj: OfOrderLine) -> str:
        return obj.order_line.product.name

    @staticmethod
    def resolve_unit(obj: OfOrderLine) -> str:
        return obj.order_line.product.unit
