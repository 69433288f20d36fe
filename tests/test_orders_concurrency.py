"""Concurrent reviews against PostgreSQL with real threads, each on its own connection."""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection

from conftest import ApiClient
from wms_sales.accounts.services import create_user, issue_token
from wms_sales.catalog.services import create_product
from wms_sales.common.errors import DomainError
from wms_sales.customers.services import create_customer
from wms_sales.inventory.models import StockLevel
from wms_sales.inventory.services import create_warehouse, record_stock_change
from wms_sales.orders.models import OrderStatus, SalesOrder
from wms_sales.orders.services import approve_order, create_order

pytestmark = pytest.mark.postgres_only


@pytest.fixture(autouse=True)
def _require_postgres(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(f"row-lock concurrency is verified on PostgreSQL, not {connection.vendor}")


def _run_concurrently(func, items, workers: int) -> list[str]:
    """Run func(item) on ``workers`` threads; return 'ok' or the error code per item."""
    start = threading.Barrier(workers)

    def attempt(item) -> str:
        try:
            func(item)
            return "ok"
        except DomainError as exc:
            return exc.code
        finally:
            connection.close()

    def worker(chunk) -> list[str]:
        start.wait()  # every thread starts hammering at the same moment
        return [attempt(item) for item in chunk]

    chunks = [items[i::workers] for i in range(workers)]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [r for results in pool.map(worker, chunks) for r in results]


def _stock(sku: str, warehouses, quantity: int):
    product = create_product(actor=None, sku=sku, name=sku, list_price=Decimal("10"))
    for warehouse in warehouses:
        record_stock_change(actor=None, product_id=product.pk, warehouse_id=warehouse.pk,
                            quantity=quantity)
    return product


def test_200_concurrent_approvals_of_stock_for_100_approve_exactly_100():
    warehouse = create_warehouse(actor=None, code="WH1", name="WH1", is_default=True)
    product = _stock("HOT", [warehouse], 100)
    customer = create_customer(actor=None, name="No-limit buyer")
    orders = [create_order(actor=None, customer_id=customer.pk,
                           lines=[{"product_id": product.pk, "quantity": 1}]).pk
              for _ in range(200)]

    outcomes = Counter(_run_concurrently(
        lambda order_id: approve_order(actor=None, order_id=order_id), orders, workers=16))

    assert outcomes == {"ok": 100, "insufficient_stock": 100}
    level = StockLevel.objects.get(product=product, warehouse=warehouse)
    assert (level.on_hand, level.reserved) == (100, 100)
    assert SalesOrder.objects.filter(status=OrderStatus.APPROVED).count() == 100


@pytest.mark.parametrize("round_", range(3))
def test_two_orders_cannot_together_pass_one_credit_limit(round_):
    warehouse = create_warehouse(actor=None, code="WH1", name="WH1", is_default=True)
    product = _stock("P", [warehouse], 1000)
    customer = create_customer(actor=None, name="Limited", credit_limit=Decimal("1000"))
    orders = [create_order(actor=None, customer_id=customer.pk,
                           lines=[{"product_id": product.pk, "quantity": 60}]).pk
              for _ in range(2)]  # 600.00 each: either alone passes, both do not

    outcomes = Counter(_run_concurrently(
        lambda order_id: approve_order(actor=None, order_id=order_id), orders, workers=2))

    assert outcomes == {"ok": 1, "credit_limit_exceeded": 1}


def test_20_concurrent_approvals_over_overlapping_skus_never_deadlock():
    rng = random.Random(7)
    warehouses = [create_warehouse(actor=None, code=f"WH{i}", name=f"WH{i}", is_default=i == 0)
                  for i in range(2)]
    products = [_stock(f"SKU{i}", warehouses, 10_000) for i in range(6)]
    customers = [create_customer(actor=None, name=f"C{i}") for i in range(4)]
    orders = []
    for n in range(20):
        picked = rng.sample(products, k=rng.randint(3, 6))  # random line order per order
        orders.append(create_order(
            actor=None, customer_id=customers[n % 4].pk,
            lines=[{"product_id": p.pk, "quantity": rng.randint(1, 20),
                    "warehouse_id": rng.choice(warehouses).pk} for p in picked]).pk)

    outcomes = _run_concurrently(
        lambda order_id: approve_order(actor=None, order_id=order_id), orders, workers=10)

    assert outcomes == ["ok"] * 20
    reserved = sum(level.reserved for level in StockLevel.objects.all())
    ordered = sum(line.quantity for order in SalesOrder.objects.all()
                  for line in order.lines.all())
    assert reserved == ordered


def test_8_simultaneous_identical_posts_with_one_key_create_one_order():
    """The claim (INSERT … ON CONFLICT DO NOTHING) waits for the first caller's transaction:
    every caller gets the first answer and exactly one order exists."""
    create_warehouse(actor=None, code="WH1", name="WH1", is_default=True)
    product = _stock("KEY", [], 0)
    customer = create_customer(actor=None, name="Retrying buyer")
    token = issue_token(user=create_user(username="retrier", role="sales", password="pw-12345678"))
    body = {"customer_id": customer.pk, "lines": [{"product_id": product.pk, "quantity": "1"}]}
    start = threading.Barrier(8)

    def post(_) -> tuple[int, dict]:
        start.wait()
        try:
            response = ApiClient(token).post("orders", body,
                                             headers={"Idempotency-Key": "same-order"})
            return response.status_code, response.json_body
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, range(8)))

    assert {status for status, _ in answers} == {201}
    assert all(answer == answers[0][1] for _, answer in answers)
    assert list(SalesOrder.objects.values_list("pk", flat=True)) == [answers[0][1]["id"]]
