"""The event contract: the JSON envelope every message carries and a JSON Schema per event
type (docs/events.md shows an example of each). Outbound events are built here from outbox
rows; inbound messages are validated against the same kind of schemas before any effect."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from jsonschema import Draft202012Validator

from .models import OutboxEvent

ENVELOPE_VERSION = 1
SOURCE = "wms-sales"

_DECIMAL = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
_ID = {"type": "integer", "minimum": 1}
_OPTIONAL_ID = {"type": ["integer", "null"]}
_TEXT = {"type": "string"}
_DATE = {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
_CUSTOMER = {"type": "object", "required": ["id", "code"],
             "properties": {"id": _ID, "code": _TEXT}}


def _object(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    # Consumers must ignore fields they do not know: producers may add fields within a version.
    return {"type": "object", "required": sorted(required),
            "properties": {**required, **(optional or {})}}


_ORDER_LINE = _object({"line_id": _ID, "line_no": _ID, "sku": _TEXT, "warehouse": _TEXT,
                       "quantity": _DECIMAL, "unit_price": _DECIMAL, "total_amount": _DECIMAL})
_ORDER = _object({"order_id": _ID, "number": _TEXT, "status": _TEXT, "customer": _CUSTOMER,
                  "net_amount": _DECIMAL, "tax_amount": _DECIMAL, "total_amount": _DECIMAL,
                  "reason": _TEXT,
                  "lines": {"type": "array", "items": _ORDER_LINE}},
                 {"from_status": _TEXT})
_ORDER_TRANSITION = {**_ORDER, "required": sorted([*_ORDER["required"], "from_status"])}
_ORDER_RETURNED = _object({
    "order_id": _ID, "number": _TEXT, "return_status": _TEXT, "document": _TEXT,
    "lines": {"type": "array", "items": _object({"order_line_id": _ID, "returned": _DECIMAL})}})
_OUTBOUND = _object({
    "outbound_id": _ID, "number": _TEXT, "order_id": _ID, "warehouse_id": _ID,
    "status": _TEXT, "invoice_id": _OPTIONAL_ID,
    "lines": {"type": "array", "items": _object({
        "order_line_id": _ID, "sku": _TEXT, "quantity": _DECIMAL,
        "total_amount": {"type": ["string", "null"], "pattern": _DECIMAL["pattern"]}})}})
_RETURN = _object({
    "return_id": _ID, "number": _TEXT, "order_id": _ID, "status": _TEXT,
    "credit_note_id": _OPTIONAL_ID,
    "lines": {"type": "array", "items": _object({
        "order_line_id": _ID, "sku": _TEXT, "quantity": _DECIMAL, "received_good": _DECIMAL,
        "received_damaged": _DECIMAL, "reason": _TEXT})}})
_INVOICE = _object({"invoice_id": _ID, "number": _TEXT, "customer": _CUSTOMER,
                    "source": _TEXT, "order": _TEXT, "net_amount": _DECIMAL,
                    "tax_amount": _DECIMAL, "total_amount": _DECIMAL, "due_date": _DATE})
_PAYMENT = _object({"payment_id": _ID, "number": _TEXT, "customer_id": _ID,
                    "amount": _DECIMAL,
                    "allocations": {"type": "array", "items": _object(
                        {"invoice_id": _ID, "amount": _DECIMAL})}})
_CREDIT_NOTE = _object({"credit_note_id": _ID, "number": _TEXT, "customer_id": _ID,
                        "source": _TEXT, "order": _TEXT, "total_amount": _DECIMAL,
                        "applied_amount": _DECIMAL, "refunded_amount": _DECIMAL,
                        "status": _TEXT})

# Every event type the sales module publishes (routing key = type), with its payload schema.
SALES_PAYLOADS: dict[str, dict[str, Any]] = {
    "order.created": _ORDER_TRANSITION,
    "order.updated": _ORDER,
    **{f"order.{name}": _ORDER_TRANSITION for name in (
        "approved", "rejected", "cancelled", "closed", "shipping", "completed")},
    "order.returned": _ORDER_RETURNED,
    **{f"outbound.{name}": _OUTBOUND for name in ("created", "posted", "cancelled")},
    **{f"return.{name}": _RETURN for name in ("requested", "approved", "rejected", "received")},
    "invoice.issued": _INVOICE,
    **{f"payment.{name}": _PAYMENT for name in ("recorded", "allocated", "refunded")},
    **{f"credit_note.{name}": _CREDIT_NOTE for name in ("issued", "applied", "refunded")},
}

# What the warehouse side publishes on the inbound exchange (docs/events.md, "Inbound").
_STOCK = _object({"sku": {"type": "string", "minLength": 1, "maxLength": 40},
                  "warehouse": {"type": "string", "minLength": 1, "maxLength": 20},
                  "quantity": {"type": ["string", "number"],
                               "pattern": _DECIMAL["pattern"]},
                  "reference": {"type": "string", "minLength": 1, "maxLength": 200}},
                 {"note": {"type": "string", "maxLength": 200}})
INBOUND_PAYLOADS: dict[str, dict[str, Any]] = {
    "inventory.received": _STOCK, "inventory.adjusted": _STOCK, "inventory.counted": _STOCK}


def envelope_schema(event_type: str, payload_schema: dict[str, Any], *,
                    document: bool = True) -> dict[str, Any]:
    required = {"id": {"type": "string", "minLength": 1, "maxLength": 100},
                "type": {"const": event_type},
                "version": {"const": ENVELOPE_VERSION},
                "occurred_at": {"type": "string", "format": "date-time",
                                "pattern": r"^\d{4}-\d{2}-\d{2}T"},
                "payload": payload_schema}
    if document:
        required |= {"source": {"const": SOURCE}, "document_type": _TEXT,
                     "document_id": _ID, "document_number": _TEXT}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"urn:wms-sales:event:{event_type}:v{ENVELOPE_VERSION}",
            "title": event_type, **_object(required)}


@cache
def validator(event_type: str) -> Draft202012Validator | None:
    """The schema validator of a known type (sales or inbound), None for an unknown one."""
    if event_type in SALES_PAYLOADS:
        return Draft202012Validator(envelope_schema(event_type, SALES_PAYLOADS[event_type]))
    if event_type in INBOUND_PAYLOADS:
        return Draft202012Validator(envelope_schema(event_type, INBOUND_PAYLOADS[event_type],
                                                    document=False))
    return None


def schema_errors(envelope: Any) -> list[str]:
    """Why ``envelope`` breaks the contract (empty when it keeps it)."""
    if not isinstance(envelope, dict):
        return ["the message is not a JSON object"]
    checker = validator(str(envelope.get("type")))
    if checker is None:
        return [f"unknown event type {envelope.get('type')!r}"]
    return [f"{'/'.join(map(str, error.absolute_path)) or '(envelope)'}: {error.message}"
            for error in sorted(checker.iter_errors(envelope), key=lambda e: list(e.path))]


def build_envelope(event: OutboxEvent) -> dict[str, Any]:
    """The JSON-ready envelope of an outbox row (what goes on the wire)."""
    payload = json.loads(json.dumps(event.payload, cls=DjangoJSONEncoder))
    return {"id": str(event.event_id), "type": event.event_type, "version": ENVELOPE_VERSION,
            "occurred_at": event.created_at.isoformat(), "source": SOURCE,
            "document_type": event.aggregate_type, "document_id": event.aggregate_id,
            "document_number": str(payload.get("number", "")), "payload": payload}


def encode(envelope: dict[str, Any]) -> bytes:
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()
