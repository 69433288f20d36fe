"""The hot spot under real concurrency (issue #9): 16 clients on ONE customer and THREE SKUs
with scarce stock, each driving whole lifecycles through the HTTP API on its own database
connection. Contention must cost time, never a 5xx, never a unit; plus the 503 path."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum

from conftest import make_api
from documents_helpers import run_check
from orders_helpers import order_body
from wms_sales.catalog.services import create_product
from wms_sales.common import db as common_db
from wms_sales.customers.services import create_customer
from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.services import create_warehouse, record_stock_change
from wms_sales.outbound.models import OutboundLine

CLIENTS, LIFECYCLES, STOCK = 16, 5, 60


@pytest.fixture
def hot_spot(transactional_db):
    if connection.vendor == "sqlite":
        pytest.skip("row-lock contention needs PostgreSQL or MariaDB; SQLite has one writer")
    warehouse = create_warehouse(actor=None, code="HOT", name="热点仓", is_default=True)
    products = []
    for i in range(3):
        product = create_product(actor=None, sku=f"HOT-{i}", name=f"热销 {i}",
                                 list_price=Decimal("10.00"))
        record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                            quantity=STOCK)
        products.append(product)
    customer = create_customer(actor=None, name="唯一客户 The One", credit_limit="1000000")
    return customer, products, warehouse


def _lifecycles(index: int, customer, products, warehouse, start: threading.Barrier
                ) -> Counter:
    apis = {role: make_api(role, f"{role}-{index}") for role in
            ("sales", "reviewer", "warehouse")}
    outcomes: Counter = Counter()

    def call(api: str, path: str, body: dict | None = None):
        try:
            response = apis[api].post(path, body)
        except Exception as exc:  # the test client re-raises what would be an HTML 500
            outcomes[f"500 {type(exc).__name__}"] += 1
            return None
        if response.status_code >= 500:
            outcomes[f"{response.status_code}"] += 1
        return response

    try:
        start.wait()
        for round_ in range(LIFECYCLES):
            product = products[(index + round_) % len(products)]
            created = call("sales", "orders", order_body(customer, product, quantity="3"))
            if created is None or created.status_code != 201:
                continue
            order_id = created.json_body["id"]
            approved = call("reviewer", f"orders/{order_id}/approve")
            if approved is None or approved.status_code != 200:
                outcomes[approved.json_body["error"]["code"] if approved else "none"] += 1
                continue
            outbound = call("warehouse", "outbounds", {"order_id": order_id,
                                                       "warehouse_id": warehouse.pk})
            if outbound is not None and outbound.status_code == 201:
                posted = call("warehouse", f"outbounds/{outbound.json_body['id']}/post")
                if posted is not None and posted.status_code == 200:
                    outcomes["shipped"] += 1
        return outcomes
    finally:
        connection.close()


def test_sixteen_clients_on_one_customer_and_three_skus(hot_spot):
    customer, products, warehouse = hot_spot
    start = threading.Barrier(CLIENTS)
    with ThreadPoolExecutor(CLIENTS) as pool:
        outcomes = sum((future.result() for future in [
            pool.submit(_lifecycles, i, customer, products, warehouse, start)
            for i in range(CLIENTS)]), Counter())
    errors = {outcome: n for outcome, n in outcomes.items() if outcome[0] == "5"}
    assert errors == {}, outcomes
    # 80 orders of 3 units want 240 units; 3 × 60 exist: some are refused, none oversold.
    assert outcomes["shipped"] == 60, outcomes
    assert outcomes["insufficient_stock"] == CLIENTS * LIFECYCLES - 60, outcomes
    levels = StockLevel.objects.filter(warehouse=warehouse)
    assert sorted(levels.values_list("on_hand", "reserved")) == [(0, 0)] * 3
    shipped = OutboundLine.objects.filter(outbound__status="posted").aggregate(
        q=Sum("quantity"))["q"]
    assert shipped == 3 * STOCK
    status, out, err = run_check()
    assert status == 0, out + err


def test_contention_that_outlasts_the_retries_is_503_busy(transactional_db, customer, product,
                                                          warehouse, monkeypatch):
    """A deadlock on every attempt (forced): the client hears 503 busy with Retry-After, and
    the retries were really made, with a backoff."""
    record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                        quantity=10)
    sales, reviewer = make_api("sales"), make_api("reviewer")
    order = sales.post("orders", order_body(customer, product)).json_body
    attempts, sleeps = [], []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def deadlocked(*args, **kwargs):
        attempts.append(1)
        raise OperationalError("deadlock detected") from Deadlock()

    monkeypatch.setattr("wms_sales.orders.services.reserve", deadlocked)
    monkeypatch.setattr(common_db.time, "sleep", sleeps.append)
    response = reviewer.post(f"orders/{order['id']}/approve")
    assert response.status_code == 503
    assert response["Retry-After"] == "1"
    assert response.json_body["error"]["code"] == "busy"
    assert len(attempts) == common_db.MAX_ATTEMPTS
    assert len(sleeps) == common_db.MAX_ATTEMPTS - 1
    assert all(0 <= pause <= common_db.BACKOFF_CAP for pause in sleeps)
    assert sales.get(f"orders/{order['id']}").json_body["status"] == "pending"


pytest_plugins = ["orders_fixtures"]
