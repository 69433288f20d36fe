"""The report cache against a real Redis: answers are reused until the aggregates change."""

from __future__ import annotations

import os
from decimal import Decimal

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from wms_sales.customers.services import create_customer
from wms_sales.orders.services import approve_order, create_order
from wms_sales.outbound.services import create_outbound, post_outbound
from wms_sales.reports import selectors

# Parallel test runs on one machine each take their own Redis database.
REDIS_URL = os.environ.get("WMS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_cache(settings):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    settings.CACHES = {**settings.CACHES, "reports": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL,
        "KEY_PREFIX": "wms-sales-test"}}
    caches["reports"].clear()
    yield caches["reports"]
    caches["reports"].clear()


def _ship(customer, product, warehouse, quantity):
    order = create_order(actor=None, customer_id=customer.pk,
                         lines=[{"product_id": product.pk, "quantity": quantity}])
    approve_order(actor=None, order_id=order.pk)
    outbound = create_outbound(actor=None, order_id=order.pk, warehouse_id=warehouse.pk)
    post_outbound(actor=None, outbound_id=outbound.pk)


def test_answers_are_cached_until_a_posting_changes_the_aggregates(
        redis_cache, product, warehouse, django_capture_on_commit_callbacks):
    from conftest import receive

    receive(product, warehouse, 100)
    customer = create_customer(actor=None, name="缓存客户")
    with django_capture_on_commit_callbacks(execute=True):
        _ship(customer, product, warehouse, 2)
    filters = selectors.make_filters()
    first = selectors.summary(filters)
    assert first["sales_gross"] == Decimal("25.00")

    with CaptureQueriesContext(connection) as queries:
        assert selectors.summary(filters) == first
    assert len(queries) == 0, "a cached answer needs no database query"

    with django_capture_on_commit_callbacks(execute=True):  # the commit bumps the generation
        _ship(customer, product, warehouse, 3)
    assert selectors.summary(filters)["sales_gross"] == Decimal("62.50")
