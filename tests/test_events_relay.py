"""The outbox relay against the real RabbitMQ: what is published, when a row counts as
delivered, several relays at once, and the embedded default without a broker."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from events_helpers import EffectRecorder, closed_port
from wms_sales.customers.services import create_customer
from wms_sales.events import consumers
from wms_sales.events.amqp import BROKER_ERRORS, Publisher
from wms_sales.events.consumer import Consumer
from wms_sales.events.contract import schema_errors
from wms_sales.events.models import OutboxEvent, ProcessedMessage
from wms_sales.events.relay import Relay, relay_batch
from wms_sales.events.services import outbox_backlog, prune_delivered
from wms_sales.orders.services import approve_order, create_order, update_order

pytest_plugins = ["events_fixtures"]


@pytest.fixture(autouse=True)
def _stock(product, warehouse):
    from conftest import receive

    receive(product, warehouse, 1000)


def _orders(product, count: int, *, changes: int = 0) -> list[int]:
    customer = create_customer(actor=None, name="中继客户")
    ids = []
    for _ in range(count):
        order = create_order(actor=None, customer_id=customer.pk,
                             lines=[{"product_id": product.pk, "quantity": 1}])
        for n in range(changes):
            update_order(actor=None, order_id=order.pk, note=f"第{n}次")
        ids.append(order.pk)
    return ids


def test_round_trip_publishes_confirmed_persistent_messages_then_marks_them(rabbit, product):
    queue = rabbit.queue("all", rabbit.exchanges[0])
    order_id = _orders(product, 1)[0]
    approve_order(actor=None, order_id=order_id)
    assert outbox_backlog()[0] == 2

    assert Relay(url=rabbit_url(), poll_interval=0).run(until_idle=True) == 2

    got = rabbit.drain(queue)
    events = list(OutboxEvent.objects.order_by("id"))
    assert [body["id"] for _, body in got] == [str(e.event_id) for e in events]
    for properties, body in got:
        assert schema_errors(body) == []
        assert properties.message_id == body["id"]
        assert properties.type == body["type"]
        assert properties.delivery_mode == 2  # persistent
        assert body["document_type"] == "sales_order" and body["document_id"] == order_id
    assert [body["type"] for _, body in got] == ["order.created", "order.approved"]
    assert all(e.published_at for e in events)
    assert outbox_backlog() == (0, None)


def test_routing_key_is_the_event_type(rabbit, product):
    approvals = rabbit.queue("approvals", rabbit.exchanges[0], "order.approved")
    order_id = _orders(product, 1)[0]
    approve_order(actor=None, order_id=order_id)
    Relay(url=rabbit_url(), poll_interval=0).run(until_idle=True)
    assert [body["type"] for _, body in rabbit.drain(approvals)] == ["order.approved"]


def rabbit_url() -> str:
    from django.conf import settings

    return settings.AMQP_URL


def test_an_unreachable_broker_leaves_every_event_waiting_then_each_arrives_once(
        rabbit, product, settings, django_capture_on_commit_callbacks):
    """The outage scenario in one thread (so SQLite runs it too; the threaded version with
    a relay and a consumer running through the outage is in test_events_faults.py)."""
    with EffectRecorder() as effect:
        consumer = Consumer(retry_delay=0.01)
        consumer._open().connection.close()
        down = f"amqp://guest:guest@127.0.0.1:{closed_port()}/"
        order_id = _orders(product, 2)[0]  # the use cases succeed with the broker gone
        approve_order(actor=None, order_id=order_id)
        with pytest.raises(BROKER_ERRORS):
            Relay(url=down, poll_interval=0).run(until_idle=True)
        assert outbox_backlog()[0] == 3
        assert OutboxEvent.objects.filter(published_at__isnull=False).count() == 0

        assert Relay(url=rabbit_url(), poll_interval=0).run(until_idle=True) == 3  # back
        with django_capture_on_commit_callbacks(execute=True):
            counts = consumer.run(until_idle=True)
    ids = {str(e) for e in OutboxEvent.objects.values_list("event_id", flat=True)}
    assert (counts.applied, counts.duplicates) == (3, 0)
    assert sorted(effect.applied) == sorted(ids)


def test_delivered_rows_are_pruned_after_the_retention(rabbit, product):
    _orders(product, 3)
    Relay(url=rabbit_url(), poll_interval=0).run(until_idle=True)
    OutboxEvent.objects.filter(pk=OutboxEvent.objects.order_by("id")[0].pk).update(
        published_at=timezone.now() - timedelta(hours=200))
    _orders(product, 1)  # undelivered: kept whatever its age
    OutboxEvent.objects.filter(published_at__isnull=True).update(
        created_at=timezone.now() - timedelta(hours=300))
    assert prune_delivered(retention_hours=168) == 1
    assert OutboxEvent.objects.count() == 3
    assert outbox_backlog()[0] == 1


@pytest.mark.django_db(transaction=True)
def test_two_relays_in_parallel_deliver_each_event_once_in_document_order(rabbit, product):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has a single writer: parallel relays need PostgreSQL or MariaDB")
    queue = rabbit.queue("parallel", rabbit.exchanges[0])
    _orders(product, 60, changes=4)  # 300 events, 5 per document
    url = rabbit_url()

    def relay(results: list[int]) -> None:
        try:
            results.append(Relay(url=url, batch_size=7, poll_interval=0).run(until_idle=True))
        finally:
            connection.close()

    results: list[int] = []
    threads = [threading.Thread(target=relay, args=(results,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    Relay(url=url, poll_interval=0).run(until_idle=True)  # whatever both left behind

    got = [body for _, body in rabbit.drain(queue)]
    assert len(got) == 300 and len({body["id"] for body in got}) == 300
    assert outbox_backlog()[0] == 0
    per_document: dict[int, list[str]] = defaultdict(list)
    for body in got:
        per_document[body["document_id"]].append(body["type"])
    assert all(types == ["order.created", *["order.updated"] * 4]
               for types in per_document.values())
    assert len(results) == 2


def test_relay_batch_marks_only_what_the_broker_confirmed(rabbit, product, settings):
    _orders(product, 3)

    class FailsOnThird(Publisher):
        calls = 0

        def publish(self, *args, **kwargs):
            FailsOnThird.calls += 1
            if FailsOnThird.calls == 3:
                raise ConnectionResetError("broker went away")
            super().publish(*args, **kwargs)

    publisher = FailsOnThird(settings.AMQP_EXCHANGE, rabbit_url())
    try:
        with pytest.raises(ConnectionResetError):
            relay_batch(publisher)
    finally:
        publisher.close()
    assert list(OutboxEvent.objects.order_by("id").values_list(
        "published_at", flat=True)).count(None) == 1


def test_without_a_broker_events_reach_the_handlers_after_commit(
        product, settings, django_capture_on_commit_callbacks):
    settings.AMQP_URL = ""
    seen: list[dict] = []

    @consumers.handles("AMQP_EXCHANGE", "order.created", "order.approved")
    def remember(envelope: dict) -> None:
        seen.append(envelope)

    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            order_id = _orders(product, 1)[0]
        assert seen == [], "handlers run only once the change has committed"
        for callback in callbacks:
            callback()
        with django_capture_on_commit_callbacks(execute=True):
            approve_order(actor=None, order_id=order_id)
    finally:
        consumers.unregister(remember)
    assert [e["type"] for e in seen] == ["order.created", "order.approved"]
    assert all(schema_errors(e) == [] for e in seen)
    assert outbox_backlog() == (0, None), "delivered in process: nothing for a relay"
    assert ProcessedMessage.objects.count() == 2
