"""The event contract: every sales event type is emitted by some use case, and each emitted
event, as it goes on the wire, keeps its JSON Schema."""

from __future__ import annotations

import pytest

from events_helpers import every_event_lifecycle
from wms_sales.events.contract import (
    INBOUND_PAYLOADS,
    SALES_PAYLOADS,
    build_envelope,
    schema_errors,
)
from wms_sales.events.models import OutboxEvent


def test_every_emitted_event_keeps_its_schema_and_every_type_is_emitted(product, warehouse):
    every_event_lifecycle(product, warehouse)
    events = list(OutboxEvent.objects.order_by("id"))
    for event in events:
        envelope = build_envelope(event)
        assert schema_errors(envelope) == [], (event.event_type, envelope)
        assert envelope["document_number"], event.event_type
    assert {e.event_type for e in events} == set(SALES_PAYLOADS)


@pytest.mark.parametrize("broken, reason", [
    (lambda e: e.pop("payload"), "'payload' is a required property"),
    (lambda e: e.update(version=2), "version: 1 was expected"),
    (lambda e: e["payload"].update(total_amount=12.5), "total_amount: 12.5 is not of type"),
    (lambda e: e.update(type="order.exploded"), "unknown event type 'order.exploded'"),
])
def test_a_broken_envelope_is_named_precisely(product, warehouse, broken, reason):
    from wms_sales.customers.services import create_customer
    from wms_sales.orders.services import create_order

    customer = create_customer(actor=None, name="客户")
    create_order(actor=None, customer_id=customer.pk,
                 lines=[{"product_id": product.pk, "quantity": 1}])
    envelope = build_envelope(OutboxEvent.objects.get(event_type="order.created"))
    broken(envelope)
    assert any(reason in error for error in schema_errors(envelope)), schema_errors(envelope)


def test_inbound_types_have_schemas():
    good = {"id": "m-1", "type": "inventory.received", "version": 1,
            "occurred_at": "2026-12-03T08:00:00+08:00",
            "payload": {"sku": "SKU-001", "warehouse": "WH-SH", "quantity": "5",
                        "reference": "ASN-1"}}
    assert set(INBOUND_PAYLOADS) == {"inventory.received", "inventory.adjusted",
                                     "inventory.counted"}
    assert schema_errors(good) == []
    assert schema_errors({**good, "payload": {**good["payload"], "quantity": "five"}})
