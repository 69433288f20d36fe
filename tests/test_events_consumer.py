"""`wms-sales consume` against the real RabbitMQ: the warehouse's stock events applied
through the inventory services exactly once, and everything else dead-lettered with its
reason, never half-applied."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from wms_sales.events import consumers
from wms_sales.events.consumer import Consumer
from wms_sales.events.models import ProcessedMessage
from wms_sales.inventory.models import StockLevel, StockMove

pytest_plugins = ["events_fixtures"]


def stock_message(kind: str, quantity, *, sku="SKU-001", warehouse="WH-SH", reference="ASN-1",
                  message_id: str | None = None, **extra) -> dict:
    return {"id": message_id or str(uuid.uuid4()), "type": f"inventory.{kind}", "version": 1,
            "occurred_at": "2026-12-03T09:30:00+08:00",
            "payload": {"sku": sku, "warehouse": warehouse, "quantity": quantity,
                        "reference": reference, **extra}}


def on_hand(product, warehouse) -> Decimal:
    level = StockLevel.objects.filter(product=product, warehouse=warehouse).first()
    return level.on_hand if level else Decimal(0)


def send(rabbit, settings, message, *, routing_key=None, message_id=None) -> None:
    rabbit.publish(settings.AMQP_INBOUND_EXCHANGE,
                   routing_key or (message["type"] if isinstance(message, dict) else "x"),
                   message, message_id=message_id)


def consume(**kwargs) -> Consumer:
    consumer = Consumer(retry_delay=0.01, **kwargs)
    consumer._open().connection.close()  # declare and bind the queue before publishing
    return consumer


def dead_letters(rabbit, settings) -> list[tuple[dict, dict]]:
    return [(props.headers, body) for props, body in
            rabbit.drain(f"{settings.AMQP_QUEUE}.dead-letter")]


def test_stock_follows_the_warehouse_and_the_ledger_names_the_message(
        rabbit, settings, product, warehouse):
    consumer = consume()
    received = stock_message("received", "120", reference="ASN-88213")
    for message in (received, stock_message("adjusted", "-3", reference="DMG-17",
                                            note="crushed pallet"),
                    stock_message("counted", "97", reference="CC-1203"),
                    stock_message("counted", "97", reference="CC-1204")):  # nothing to change
        send(rabbit, settings, message, message_id=message["id"])
    counts = consumer.run(until_idle=True)
    assert (counts.applied, counts.duplicates, counts.dead_lettered) == (4, 0, 0)
    assert on_hand(product, warehouse) == Decimal("97")
    moves = list(StockMove.objects.order_by("id"))
    assert [(m.reason, m.quantity) for m in moves] == [
        ("receipt", Decimal("120")), ("adjustment", Decimal("-3")), ("adjustment", Decimal("-20"))]
    first = moves[0]
    assert (first.source_type, first.source_ref) == ("message", received["id"])
    assert first.note == f"inventory.received ASN-88213 (message {received['id']})"
    assert "crushed pallet" in moves[1].note
    assert ProcessedMessage.objects.count() == 4


def test_a_redelivered_message_changes_nothing(rabbit, settings, product, warehouse):
    consumer = consume()
    message = stock_message("received", "5")
    for _ in range(3):
        send(rabbit, settings, message)  # no message_id property: the envelope id counts
    counts = consumer.run(until_idle=True)
    assert (counts.applied, counts.duplicates) == (1, 2)
    assert on_hand(product, warehouse) == Decimal("5")
    assert StockMove.objects.count() == 1


@pytest.mark.parametrize("message, routing_key, reason", [
    (b"{not json", "inventory.received", "the body is not JSON"),
    ({"type": "inventory.received", "version": 1, "payload": {}}, None, "has no id"),
    (stock_message("moved", "1"), None, "no handler for type 'inventory.moved'"),
    (stock_message("received", "lots"), None, "payload/quantity: 'lots' does not match"),
    ({**stock_message("received", "1"), "payload": {"sku": "SKU-001"}}, None,
     "'warehouse' is a required property"),
    (stock_message("received", "1", sku="NOPE"), None, "No product with sku 'NOPE'"),
    (stock_message("received", "1", warehouse="WH-XX"), None, "No warehouse with code"),
    (stock_message("received", "-1"), None, "A receipt must be positive"),
    (stock_message("received", "1.5"), None, "quantity"),  # the product counts whole units
    (stock_message("adjusted", "-50"), None, "insufficient_stock"),
])
def test_what_cannot_apply_is_dead_lettered_with_its_reason_and_nothing_changes(
        rabbit, settings, product, warehouse, message, routing_key, reason):
    from conftest import receive

    receive(product, warehouse, 10)
    consumer = consume()
    send(rabbit, settings, message, routing_key=routing_key)
    counts = consumer.run(until_idle=True)
    assert (counts.applied, counts.dead_lettered) == (0, 1)
    [(headers, _)] = dead_letters(rabbit, settings)
    assert reason in headers["x-dead-letter-reason"], headers
    assert headers["x-original-exchange"] == settings.AMQP_INBOUND_EXCHANGE
    assert on_hand(product, warehouse) == Decimal("10")
    assert StockMove.objects.count() == 1 and ProcessedMessage.objects.count() == 0


def test_a_failing_handler_is_retried_then_dead_lettered_without_its_effect(
        rabbit, settings, product, warehouse):
    from wms_sales.inventory import handlers as inventory_handlers

    attempts = []

    @consumers.handles("AMQP_INBOUND_EXCHANGE", "inventory.received")
    def flaky(envelope):
        inventory_handlers.apply_stock_event(envelope)  # applied, then rolled back
        attempts.append(envelope["id"])
        raise RuntimeError("downstream timeout")

    consumers.unregister(inventory_handlers.apply_stock_event)
    try:
        consumer = consume(max_attempts=3)
        send(rabbit, settings, stock_message("received", "7"))
        counts = consumer.run(until_idle=True)
    finally:
        consumers.unregister(flaky)
        consumers.handles("AMQP_INBOUND_EXCHANGE", *inventory_handlers.WAREHOUSE_EVENTS)(
            inventory_handlers.apply_stock_event)
    assert len(attempts) == 3 and (counts.retried, counts.dead_lettered) == (2, 1)
    [(headers, _)] = dead_letters(rabbit, settings)
    assert headers["x-attempts"] == 3
    assert "RuntimeError: downstream timeout" in headers["x-dead-letter-reason"]
    assert on_hand(product, warehouse) == 0 and ProcessedMessage.objects.count() == 0


def test_the_consume_command_needs_a_broker(settings):
    from django.core.management import CommandError

    settings.AMQP_URL = ""
    with pytest.raises(CommandError, match="WMS_AMQP_URL is not set"):
        call_command("consume", "--once")


def test_the_consume_command_applies_and_stops_when_idle(rabbit, settings, product, warehouse,
                                                         capsys):
    consume()
    send(rabbit, settings, stock_message("received", "4"))
    call_command("consume", "--once")
    assert "1 applied, 0 duplicate(s)" in capsys.readouterr().out
    assert on_hand(product, warehouse) == Decimal("4")
