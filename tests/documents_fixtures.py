"""Fixtures of the outbound, finance and returns tests:
``pytest_plugins = ["orders_fixtures", "documents_fixtures"]``."""

from __future__ import annotations

import pytest

from orders_helpers import create, stock_in


@pytest.fixture
def stocked(product, cable, warehouse, second_warehouse) -> None:
    stock_in(product, warehouse, 100)
    stock_in(product, second_warehouse, 100)
    stock_in(cable, second_warehouse, 100)


@pytest.fixture
def order(sales_api, reviewer_api, customer, product, cable, warehouse, second_warehouse,
          stocked) -> dict:
    """An approved order over two warehouses, priced with discount and tax:
    line 1: 10 × SKU-001 @ 12.50 −10 % +13 % from WH-SH;
    line 2: 5.5 m CABLE @ 0.50 +13 % from WH-BJ; line 3: 4 × SKU-001 @ 12.50 from WH-BJ."""
    body = {"customer_id": customer.pk, "lines": [
        {"product_id": product.pk, "quantity": "10", "discount_percent": "10",
         "tax_rate_percent": "13", "warehouse_id": warehouse.pk},
        {"product_id": cable.pk, "quantity": "5.5", "tax_rate_percent": "13",
         "warehouse_id": second_warehouse.pk},
        {"product_id": product.pk, "quantity": "4", "warehouse_id": second_warehouse.pk},
    ]}
    created = create(sales_api, body)
    response = reviewer_api.post(f"orders/{created['id']}/approve")
    assert response.json_body["status"] == "approved", response.content
    return response.json_body


@pytest.fixture
def lines(order) -> list[int]:
    """The order line ids, by line number."""
    return [line["id"] for line in order["lines"]]
