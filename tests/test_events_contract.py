"""The event contract: every sales event type is emitted by some use case, and each emitted
event, as it goes on the wire, keeps its JSON Schema."""

from __future__ import annotations

import json

import pytest
from django.db import connection, transaction

from events_helpers import every_event_lifecycle
from wms_sales.events.contract import (
    INBOUND_PAYLOADS,
    SALES_PAYLOADS,
    build_envelope,
    schema_errors,
)
from wms_sales.events.models import OutboxEvent
from wms_sales.events.services import record_event


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


def test_a_payload_is_stored_as_the_json_it_was_sent_as(db):
    """The payload comes back as written on every database. On PostgreSQL its column is
    ``json`` and its parameter is sent as ``json``: a ``jsonb`` one would be parsed and
    printed back, and a ``jsonb`` column would sort the keys."""
    payload = {"lines": [{"quantity": "1.50", "sku": "螺丝 M6"}], "bb": 1, "a": None}
    with transaction.atomic():
        event = record_event(event_type="test.stored", aggregate_type="test", aggregate_id=1,
                             payload=payload)
    assert OutboxEvent.objects.get(pk=event.pk).payload == payload
    if connection.vendor != "postgresql":
        return
    from psycopg.types.json import Json

    field = OutboxEvent._meta.get_field("payload")
    assert type(field.get_db_prep_save(payload, connection)) is Json
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_typeof(payload)::text, payload::text "
                       f"FROM {OutboxEvent._meta.db_table} WHERE id = %s", [event.pk])
        kind, text = cursor.fetchone()
    assert kind == "json"
    assert list(json.loads(text)) == ["lines", "bb", "a"]
