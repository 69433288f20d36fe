"""Documents for the UI tests of orders, outbounds, returns and receivables, made through the
services (the pages under test are only the UI)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from conftest import receive
from wms_sales.catalog.services import create_product
from wms_sales.customers.services import create_customer
from wms_sales.inventory.services import create_warehouse
from wms_sales.orders.services import approve_order, create_order
from wms_sales.outbound.services import create_outbound, post_outbound
from wms_sales.returns.services import approve_return, create_return, receive_return

CUSTOMER_NAME = "杭州西湖贸易有限公司"


def master_data(credit_limit: Decimal | None = None) -> dict[str, Any]:
    """A customer with a default address, two products in stock in two warehouses."""
    customer = create_customer(actor=None, code="C-100", name=CUSTOMER_NAME,
                               credit_limit=credit_limit, payment_terms_days=30,
                               addresses=[{"line": "文三路 100 号", "city": "杭州市",
                                           "recipient": "王经理", "is_default": True},
                                          {"line": "莫干山路 8 号", "city": "杭州市"}])
    screwdriver = create_product(actor=None, sku="SKU-001", name="螺丝刀", unit="把",
                                 list_price=Decimal("12.50"))
    cable = create_product(actor=None, sku="CABLE-M", name="电缆", unit="米",
                           list_price=Decimal("3.20"), quantity_precision=2)
    shanghai = create_warehouse(actor=None, code="WH-SH", name="上海仓", is_default=True)
    beijing = create_warehouse(actor=None, code="WH-BJ", name="北京仓")
    receive(screwdriver, shanghai, "100")
    receive(cable, shanghai, "50")
    receive(screwdriver, beijing, "20")
    return {"customer": customer, "screwdriver": screwdriver, "cable": cable,
            "shanghai": shanghai, "beijing": beijing}


def order_of(data: dict[str, Any], *quantities: tuple[str, str], actor: Any = None,
             **header: Any) -> Any:
    """A pending order: (product key, quantity) per line, from the default warehouse."""
    return create_order(actor=actor, customer_id=data["customer"].pk, lines=[
        {"product_id": data[key].pk, "quantity": Decimal(qty)} for key, qty in quantities],
        **header)


def approved_order(data: dict[str, Any], *quantities: tuple[str, str]) -> Any:
    order = order_of(data, *quantities)
    return approve_order(actor=None, order_id=order.pk)


def shipped_order(data: dict[str, Any], *quantities: tuple[str, str]) -> Any:
    """An approved order shipped completely (one posted outbound, one invoice)."""
    order = approved_order(data, *quantities)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=data["shanghai"].pk)
    post_outbound(actor=None, outbound_id=outbound.pk)
    return order


def received_return(order: Any, quantity: str = "1") -> Any:
    """A received return of ``quantity`` of the order's first line (a credit note)."""
    line = order.lines.order_by("line_no").first()
    sales_return = create_return(actor=None, order_id=order.pk, lines=[
        {"order_line_id": line.pk, "quantity": Decimal(quantity), "reason": "quality"}])
    approve_return(actor=None, return_id=sales_return.pk)
    return receive_return(actor=None, return_id=sales_return.pk)
