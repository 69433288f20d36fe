"""Helpers of the sales-order tests (their fixtures are in orders_fixtures.py)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.services import record_stock_change
from wms_sales.orders.models import SalesOrderLine
from wms_sales.outbound.services import create_outbound, post_outbound

DEFAULT_ADDRESS = "上海市 浦东新区 张江路 1 号"


def stock_in(product, warehouse, quantity) -> None:
    record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                        quantity=quantity)


def level(product, warehouse) -> tuple[Decimal, Decimal]:
    """(on_hand, reserved) of a product in a warehouse; (0, 0) without a level."""
    found = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
    return (found.on_hand, found.reserved) if found else (Decimal(0), Decimal(0))


def error(response, status: int, code: str) -> dict:
    """Assert the API's error shape; return ``details``."""
    assert response.status_code == status, response.content
    body = response.json_body["error"]
    assert body["code"] == code, body
    assert body["message"]
    return body["details"]


def order_body(customer, product, quantity="3", **line) -> dict:
    return {"customer_id": customer.pk,
            "lines": [{"product_id": product.pk, "quantity": str(quantity), **line}]}


def create(api, body) -> dict:
    response = api.post("orders", body)
    assert response.status_code == 201, response.content
    return response.json_body


# How an order reaches each status from pending: API actions, then (shipping) an outbound.
ROUTES = {"pending": [], "approved": ["approve"], "rejected": ["reject"],
          "cancelled": ["cancel"], "completed": ["approve", "close"], "shipping": ["approve"]}


def drive(api, order_id: int, status: str) -> None:
    for action in ROUTES[status]:
        response = api.post(f"orders/{order_id}/{action}", {"reason": f"test {action}"})
        assert response.status_code == 200, response.content
    if status == "shipping":
        ship_one(order_id)


def ship_one(order_id: int) -> None:
    """Ship 1 of every line with posted outbounds, one per warehouse."""
    by_warehouse = defaultdict(list)
    for line in SalesOrderLine.objects.filter(order_id=order_id):
        by_warehouse[line.warehouse_id].append({"order_line_id": line.pk, "quantity": "1"})
    for warehouse_id, lines in by_warehouse.items():
        outbound = create_outbound(actor=None, order_id=order_id, warehouse_id=warehouse_id,
                                   lines=lines)
        post_outbound(actor=None, outbound_id=outbound.pk)
