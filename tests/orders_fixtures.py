"""Fixtures of the sales-order tests: ``pytest_plugins = ["orders_fixtures"]``."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders_helpers import create, order_body, stock_in
from wms_sales.catalog.services import create_product
from wms_sales.customers.services import create_customer


@pytest.fixture
def customer(db):
    return create_customer(actor=None, name="华东五金 East Hardware", contact_person="王经理",
                           phone="021-5555-0000",
                           addresses=[{"recipient": "李四", "phone": "139-0000-0000",
                                       "province": "上海市", "district": "浦东新区",
                                       "line": "张江路 1 号"}])


@pytest.fixture
def cable(db):
    """A product counted in hundredths (metres)."""
    return create_product(actor=None, sku="CABLE", name="电缆 Cable", unit="m",
                          list_price=Decimal("0.50"), quantity_precision=2)


@pytest.fixture
def stock(product, warehouse) -> None:
    stock_in(product, warehouse, 100)


@pytest.fixture
def pending(sales_api, customer, product, warehouse) -> dict:
    """A pending order of 3 × SKU-001 at 12.50 = 37.50 from the default warehouse."""
    return create(sales_api, order_body(customer, product))
