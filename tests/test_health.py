"""/health and /health/ready for load balancers, and the outbox line of `wms-sales check`."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from django.test import Client

from events_helpers import AMQP_URL, closed_port
from wms_sales import health
from wms_sales.customers.services import create_customer
from wms_sales.orders.services import create_order


def test_liveness_touches_nothing(db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_reports_database_migrations_outbox_broker_and_cache(db, settings):
    settings.AMQP_URL, settings.REDIS_URL = "", ""
    response = Client().get("/health/ready")
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["degraded"] == []
    checks = body["checks"]
    assert checks["database"]["ok"] and checks["migrations"] == {"ok": True, "pending": 0}
    assert checks["outbox"] == {"ok": True, "backlog": 0, "oldest_age_seconds": None}
    assert checks["broker"]["status"] == "disabled"
    assert checks["cache"]["status"] == "local"


def test_ready_shows_the_backlog_and_an_unreachable_broker_without_failing(
        db, settings, product, warehouse):
    from conftest import receive

    settings.AMQP_URL = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
    receive(product, warehouse, 5)
    customer = create_customer(actor=None, name="健康客户")
    create_order(actor=None, customer_id=customer.pk,
                 lines=[{"product_id": product.pk, "quantity": 1}])
    body = Client().get("/health/ready").json()
    assert body["status"] == "ready", "events wait in the outbox: the app still works"
    assert body["degraded"] == ["broker"]
    assert body["checks"]["broker"]["status"].startswith("unreachable")
    assert body["checks"]["outbox"]["backlog"] == 1
    assert body["checks"]["outbox"]["oldest_age_seconds"] >= 0

    out = StringIO()
    call_command("check", stdout=out, stderr=StringIO())
    assert "info outbox: 1 event(s) waiting, oldest" in out.getvalue()


def test_ready_with_a_reachable_broker_says_ok(db, settings):
    from wms_sales.events.amqp import broker_status

    if broker_status(AMQP_URL) != "ok":
        import pytest

        pytest.skip(f"RabbitMQ is not reachable at {AMQP_URL}")
    settings.AMQP_URL = AMQP_URL
    assert Client().get("/health/ready").json()["checks"]["broker"] == {"ok": True,
                                                                        "status": "ok"}


def test_not_ready_while_migrations_are_pending(db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    monkeypatch.setattr(health.MigrationExecutor, "migration_plan",
                        lambda self, targets: [("events", "0099_future")])
    response = Client().get("/health/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == {"ok": False, "pending": 1}
