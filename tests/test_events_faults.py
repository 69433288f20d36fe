"""Faults survived, against the real RabbitMQ: the broker going away while orders are
approved and shipped, and a relay SIGKILLed between the broker's confirm and its commit.
Every event reaches the consumer's effect exactly once (at least once on the wire)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.db import connection

from events_helpers import (
    AMQP_URL,
    BrokerProxy,
    EffectRecorder,
    ship,
    subprocess_database_url,
)
from wms_sales.customers.services import create_customer
from wms_sales.events.consumer import Consumer
from wms_sales.events.models import OutboxEvent, ProcessedMessage
from wms_sales.events.relay import Relay
from wms_sales.events.services import outbox_backlog
from wms_sales.orders.services import approve_order, create_order

pytest_plugins = ["events_fixtures"]


@pytest.fixture(autouse=True)
def _server_database():
    if connection.vendor == "sqlite":
        pytest.skip("runs relay and consumer as separate threads/processes with their own "
                    "connections: needs PostgreSQL or MariaDB (SQLite's test database is "
                    "in memory)")


def sell(product, warehouse, customer, count: int) -> None:
    for _ in range(count):
        order = create_order(actor=None, customer_id=customer.pk,
                             lines=[{"product_id": product.pk, "quantity": 1}])
        approve_order(actor=None, order_id=order.pk)
        ship(order, warehouse)


def in_thread(target, *args) -> threading.Thread:
    def run() -> None:
        try:
            target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@pytest.mark.django_db(transaction=True)
def test_broker_outage_while_orders_are_approved_and_shipped(rabbit, settings, product,
                                                             warehouse):
    from conftest import receive

    receive(product, warehouse, 1000)
    customer = create_customer(actor=None, name="断线客户")
    proxy = BrokerProxy()
    with EffectRecorder() as effect:
        Consumer(url=AMQP_URL)._open().connection.close()  # the queue exists and is bound
        relay = Relay(url=proxy.url, poll_interval=0.05)
        consumer = Consumer(url=proxy.url, retry_delay=0.01)
        threads = [in_thread(relay.run), in_thread(consumer.run)]
        try:
            sell(product, warehouse, customer, 3)
            wait_for(lambda: outbox_backlog()[0] == 0)
            proxy.cut()  # RabbitMQ is gone for relay and consumer alike
            sell(product, warehouse, customer, 5)  # every operation still succeeds
            time.sleep(0.5)
            waiting, oldest = outbox_backlog()
            # order created, approved, completed; outbound created, posted; invoice issued
            assert waiting == 5 * 6
            assert oldest is not None
            proxy.restore()
            total = OutboxEvent.objects.count()
            wait_for(lambda: outbox_backlog()[0] == 0 and len(set(effect.applied)) == total)
        finally:
            relay.stop()
            consumer.stop()
            for thread in threads:
                thread.join(timeout=30)
            proxy.cut()
    ids = {str(event_id) for event_id in OutboxEvent.objects.values_list("event_id", flat=True)}
    assert len(effect.applied) == len(ids) and set(effect.applied) == ids, "exactly once"
    assert ProcessedMessage.objects.count() == len(ids)


KILL_BETWEEN_PUBLISH_AND_MARK = textwrap.dedent("""
    import os, signal
    import django
    django.setup()
    from wms_sales.events import relay
    from wms_sales.events.amqp import Publisher
    from django.conf import settings

    def die(ids):  # the broker has confirmed every message of the batch: now the commit
        print(f"published {len(ids)}", flush=True)
        os.kill(os.getpid(), signal.SIGKILL)

    relay.mark_delivered = die
    relay.relay_batch(Publisher(settings.AMQP_EXCHANGE))
""")


@pytest.mark.django_db(transaction=True)
def test_relay_killed_between_publish_and_mark_the_duplicate_is_absorbed(
        rabbit, settings, product, warehouse):
    from conftest import receive

    receive(product, warehouse, 100)
    customer = create_customer(actor=None, name="重复客户")
    for _ in range(3):
        order = create_order(actor=None, customer_id=customer.pk,
                             lines=[{"product_id": product.pk, "quantity": 1}])
        approve_order(actor=None, order_id=order.pk)
    with EffectRecorder() as effect:
        consumer = Consumer(retry_delay=0.01)
        consumer._open().connection.close()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wms_sales.settings",
               "WMS_DATABASE_URL": subprocess_database_url(), "WMS_AMQP_URL": AMQP_URL,
               "WMS_AMQP_EXCHANGE": settings.AMQP_EXCHANGE, "WMS_SECRET_KEY": "test"}
        child = subprocess.run([sys.executable, "-c", KILL_BETWEEN_PUBLISH_AND_MARK], env=env,
                               capture_output=True, text=True, timeout=120)
        assert child.returncode == -signal.SIGKILL, child.stderr
        assert "published 6" in child.stdout
        assert outbox_backlog()[0] == 6, "killed before its commit: nothing marked"

        # The server may hold the killed child's row locks a moment longer, until it sees the
        # connection gone, and the relay's SKIP LOCKED passes over them meanwhile.
        relay = Relay(poll_interval=0)
        wait_for(lambda: relay.run(until_idle=True) >= 6)
        assert relay.delivered == 6  # published again, each once
        counts = consumer.run(until_idle=True, idle_timeout=2)  # room for a loaded broker
    assert (counts.applied, counts.duplicates) == (6, 6), "12 on the wire, 6 effects"
    ids = {str(event_id) for event_id in OutboxEvent.objects.values_list("event_id", flat=True)}
    assert sorted(effect.applied) == sorted(ids)


@pytest.mark.django_db(transaction=True)
def test_the_relay_command_runs_until_sigterm_delivering_as_orders_commit(
        rabbit, settings, product, warehouse):
    from conftest import receive

    queue = rabbit.queue("cli", settings.AMQP_EXCHANGE)
    receive(product, warehouse, 100)
    customer = create_customer(actor=None, name="命令客户")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wms_sales.settings",
           "WMS_DATABASE_URL": subprocess_database_url(), "WMS_AMQP_URL": AMQP_URL,
           "WMS_AMQP_EXCHANGE": settings.AMQP_EXCHANGE, "WMS_SECRET_KEY": "test"}
    relay = subprocess.Popen([sys.executable, "-m", "wms_sales.cli", "relay"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        sell(product, warehouse, customer, 2)
        wait_for(lambda: outbox_backlog()[0] == 0)
    finally:
        relay.send_signal(signal.SIGTERM)
        out, err = relay.communicate(timeout=30)
    assert relay.returncode == 0, err
    assert "relay stopped after delivering 12 event(s)" in out
    assert len(rabbit.drain(queue)) == 12
