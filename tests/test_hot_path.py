"""The hot path (issue #9): every write step of a document costs the same number of queries
whatever its number of lines (measured through the HTTP API, at 2 and at 50 lines), and an
order has a bounded number of lines."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_api
from orders_helpers import stock_in
from wms_sales.catalog.models import Product

STEPS = ("create order", "approve order", "create outbound", "post outbound",
         "request return", "approve return", "receive return")


def _ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content
    return response.json_body


def lifecycle_queries(customer, warehouse, line_count: int) -> dict[str, int]:
    """Queries per step of one order of ``line_count`` lines, each on its own product."""
    products = Product.objects.bulk_create(
        Product(sku=f"QC-{line_count}-{i:03d}", name=f"计数 {i}", list_price=Decimal("9.90"))
        for i in range(line_count))
    for product in products:
        stock_in(product, warehouse, 100)
    sales, reviewer, storekeeper = (make_api(role, f"{role}-{line_count}")
                                    for role in ("sales", "reviewer", "warehouse"))
    counts: dict[str, int] = {}

    def measured(step: str, call, status: int = 200) -> dict:
        with CaptureQueriesContext(connection) as queries:
            body = _ok(call(), status)
        counts[step] = len(queries)
        return body

    order = measured("create order", lambda: sales.post("orders", {
        "customer_id": customer.pk, "lines": [
            {"product_id": p.pk, "quantity": "2", "discount_percent": "5",
             "tax_rate_percent": "13"} for p in products]}), 201)
    measured("approve order", lambda: reviewer.post(f"orders/{order['id']}/approve"))
    outbound = measured("create outbound", lambda: storekeeper.post(
        "outbounds", {"order_id": order["id"], "warehouse_id": warehouse.pk}), 201)
    measured("post outbound", lambda: storekeeper.post(f"outbounds/{outbound['id']}/post", {}))
    order_lines = _ok(sales.get(f"orders/{order['id']}"))["lines"]
    sales_return = measured("request return", lambda: sales.post("returns", {
        "order_id": order["id"], "lines": [
            {"order_line_id": line["id"], "quantity": "1", "reason": "quality"}
            for line in order_lines]}), 201)
    measured("approve return", lambda: reviewer.post(f"returns/{sales_return['id']}/approve"))
    measured("receive return", lambda: storekeeper.post(
        f"returns/{sales_return['id']}/receive", {}))
    return counts


pytest_plugins = ["orders_fixtures"]


def test_queries_per_step_do_not_grow_with_lines(db, customer, warehouse):
    small, large = (lifecycle_queries(customer, warehouse, lines) for lines in (2, 50))
    assert list(small) == list(STEPS)
    growing = {step: (small[step], large[step]) for step in STEPS if small[step] != large[step]}
    assert growing == {}, f"queries at (2 lines, 50 lines): {growing}; all: {small}"


def test_an_order_over_the_line_limit_is_refused_whole(db, customer, warehouse, settings):
    settings.WMS_MAX_ORDER_LINES = 3
    product = Product.objects.create(sku="QC-LIMIT", name="限额", list_price=Decimal("1.00"))
    sales = make_api("sales")
    lines = [{"product_id": product.pk, "quantity": "1"}] * 4
    response = sales.post("orders", {"customer_id": customer.pk, "lines": lines})
    assert response.status_code == 422
    assert response.json_body["error"]["details"]["fields"] == {
        "lines": ["At most 3 lines per order (4 given)."]}
    assert sales.post("orders", {"customer_id": customer.pk,
                                 "lines": lines[:3]}).status_code == 201
