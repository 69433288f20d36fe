"""The caches on the real Redis — the report answers and the idempotent-response fast path —
and what happens when Redis is gone: every read answers, uncached, and nothing errors."""

from __future__ import annotations

import time
import uuid

import pytest
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from events_helpers import REDIS_URL, closed_port
from orders_helpers import order_body, stock_in
from wms_sales.orders.models import SalesOrder
from wms_sales.reports import selectors

pytest_plugins = ["orders_fixtures"]


def use_redis(settings, url: str) -> None:
    """Point the report and idempotency caches at ``url``, with a prefix of this run."""
    prefix = f"wms-sales-test-{uuid.uuid4().hex[:8]}"
    redis = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url,
             "OPTIONS": settings.REDIS_OPTIONS}
    settings.REDIS_URL = url
    settings.CACHES = {**settings.CACHES,
                       "reports": {**redis, "KEY_PREFIX": f"{prefix}-reports"},
                       "idempotency": {**redis, "KEY_PREFIX": f"{prefix}-idem"}}


@pytest.fixture
def live_redis(settings):
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    use_redis(settings, REDIS_URL)
    yield
    caches["reports"].clear()
    caches["idempotency"].clear()


@pytest.fixture
def redis_down(settings):
    """Redis stopped: nothing listens where WMS_REDIS_URL points."""
    use_redis(settings, f"redis://127.0.0.1:{closed_port()}/0")


def key_queries(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if "idempotencykey" in q["sql"].lower()]


def test_a_retry_is_answered_from_redis_without_touching_the_key_row(
        live_redis, sales_api, customer, product, stock, django_capture_on_commit_callbacks):
    key = {"Idempotency-Key": "fast-path"}
    with django_capture_on_commit_callbacks(execute=True):
        first = sales_api.post("orders", order_body(customer, product), headers=key)
    assert first.status_code == 201, first.content
    with CaptureQueriesContext(connection) as queries:
        again = sales_api.post("orders", order_body(customer, product), headers=key)
    assert (again.status_code, again.json_body) == (201, first.json_body)
    assert key_queries(queries) == [], "answered from the cache"
    assert SalesOrder.objects.count() == 1
    other = sales_api.post("orders", order_body(customer, product, quantity="4"), headers=key)
    assert other.status_code == 409, "another request under the key still meets the row"


def test_without_redis_the_fast_path_is_a_local_cache():
    from wms_sales.settings import CACHES
    from wms_sales.settings import REDIS_URL as configured

    if configured:
        pytest.skip("WMS_REDIS_URL is set in this environment")
    assert CACHES["idempotency"]["BACKEND"].endswith("LocMemCache")


def test_with_redis_down_idempotency_still_replays_from_the_database(
        redis_down, sales_api, customer, product, stock, django_capture_on_commit_callbacks):
    key = {"Idempotency-Key": "redis-down"}
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        first = sales_api.post("orders", order_body(customer, product), headers=key)
    with CaptureQueriesContext(connection) as queries:
        again = sales_api.post("orders", order_body(customer, product), headers=key)
    assert time.monotonic() - started < 5, "an outage costs milliseconds, not timeouts"
    assert first.status_code == 201 and (again.status_code, again.json_body) == (
        201, first.json_body)
    assert key_queries(queries), "the database answered"
    assert SalesOrder.objects.count() == 1


def test_with_redis_down_reports_still_answer(redis_down, admin_api, reviewer_api, customer,
                                               product, warehouse,
                                               django_capture_on_commit_callbacks):
    stock_in(product, warehouse, 10)
    with django_capture_on_commit_callbacks(execute=True):
        order = admin_api.post("orders", order_body(customer, product)).json_body
        # Another user approves: segregation of duties.
        assert reviewer_api.post(f"orders/{order['id']}/approve").status_code == 200
    summary = selectors.summary(selectors.make_filters())
    assert summary["orders_approved"] == 1
    response = admin_api.get("reports/summary")
    assert response.status_code == 200, response.content
    ready = Client().get("/health/ready").json()
    assert ready["status"] == "ready"
    assert ready["checks"]["cache"]["status"].startswith("unreachable")
    assert ready["degraded"] == ["cache"]


def test_reports_are_cached_in_redis_and_health_says_so(live_redis, admin_api):
    assert admin_api.get("reports/summary").status_code == 200
    assert Client().get("/health/ready").json()["checks"]["cache"] == {"ok": True,
                                                                       "status": "ok"}
