"""What a quantity of an order line is worth: the one pricing that outbound postings
(invoices) and received returns (credit notes) share, at the order line's price, discount and
tax rate."""

from __future__ import annotations

from decimal import Decimal

from wms_sales.common.money import PricedLine, price_line

from .models import SalesOrderLine


def price_order_line(order_line: SalesOrderLine, quantity: Decimal) -> PricedLine:
    """``quantity`` of ``order_line`` (its product loaded) priced as the order priced it."""
    product = order_line.product
    return price_line(sku=product.sku, description=product.name, unit=product.unit,
                      quantity=quantity, unit_price=order_line.unit_price,
                      discount_percent=order_line.discount_percent,
                      tax_rate_percent=order_line.tax_rate_percent)
