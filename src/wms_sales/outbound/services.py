"""Outbound (出库单) use cases. Posting is one transaction: stock issued from the reservation,
order lines shipped, order status moved, invoice raised, events written.

Lock order: the outbound row, the order row, stock levels by (product, warehouse), then the
order lines and the rows every posting shares (number series, report aggregates) last."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery, Sum
from django.utils import timezone

from wms_sales.common.actors import Actor, user_of
from wms_sales.common.compiled import CompiledRead, load_related
from wms_sales.common.db import bulk_insert, bulk_update, insert_object, retry_transaction
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.money import PricedLine
from wms_sales.common.numbering import document_number
from wms_sales.common.validation import FieldErrors
from wms_sales.finance.services import issue_invoice
from wms_sales.inventory.models import Warehouse
from wms_sales.inventory.reservations import IssueRequest, issue_reserved
from wms_sales.inventory.selectors import warehouse_or_none
from wms_sales.inventory.services import parse_quantity
from wms_sales.orders.models import SalesOrderLine
from wms_sales.orders.pricing import price_order_line
from wms_sales.orders.selectors import RESERVATION_SOURCE
from wms_sales.orders.services import (
    lock_for_shipping,
    lock_lines_for_shipping,
    record_shipment,
)

from .models import Outbound, OutboundLine, OutboundStatus
from .states import OUTBOUND_LIFE


def _drafted(lines: QuerySet[OutboundLine], *columns: str) -> QuerySet[OutboundLine, Any]:
    """Of ``lines``, the quantity on draft outbounds per order line (``q``), as ``columns``."""
    return (lines.filter(outbound__status=OutboundStatus.DRAFT).order_by()
            .values("order_line_id").annotate(q=Sum("quantity")).values_list(*columns))


# Compiled once: the reads of every outbound's creation and posting.
_DRAFTED = CompiledRead(lambda order_id: _drafted(OutboundLine.objects.filter(
    outbound__order_id=order_id), "order_line_id", "q"), arity=1)


def drafted_quantities(order_id: int) -> dict[int, Decimal]:
    """Quantities already on draft outbounds, per order line: not yet shipped, not free."""
    return dict(_DRAFTED.rows(order_id))


# An order's lines with what draft outbounds hold of each (``drafted``: None for nothing),
# in one statement.
_ORDER_LINES = CompiledRead(lambda order_id: SalesOrderLine.objects.filter(order_id=order_id)
                            .select_related("product").annotate(drafted=Subquery(_drafted(
                                OutboundLine.objects.filter(order_line=OuterRef("pk")), "q"))),
                            arity=1)
_OUTBOUND_LINES = CompiledRead(lambda outbound_id: OutboundLine.objects.filter(
    outbound_id=outbound_id).order_by(), arity=1)


@retry_transaction
def create_outbound(*, actor: Actor, order_id: int, warehouse_id: int,
                    lines: Sequence[dict[str, Any]] | None = None,
                    planned_ship_date: date | None = None, carrier: str = "",
                    tracking_number: str = "", note: str = "") -> Outbound:
    """A draft for one warehouse; without ``lines`` it takes everything still open there."""
    order = lock_for_shipping(order_id)
    warehouse = warehouse_or_none(warehouse_id)
    if warehouse is None:
        raise ValidationFailed({"warehouse_id": f"Warehouse {warehouse_id} does not exist."})
    order_lines = {line.pk: line for line in _ORDER_LINES.objects(order.pk)}
    free = {pk: line.open_quantity - (line.drafted or Decimal(0))
            for pk, line in order_lines.items()}
    if lines is None:
        wanted = [(pk, qty) for pk, qty in free.items()
                  if qty > 0 and order_lines[pk].warehouse_id == warehouse.pk]
        if not wanted:
            raise ValidationFailed({"lines": f"Order {order.number} has nothing left to ship "
                                             f"from {warehouse.code}."})
    elif not lines:
        raise ValidationFailed({"lines": "An outbound needs at least one line."})
    else:
        wanted = _validated_lines(lines, order_lines, free, warehouse)
    outbound = insert_object(Outbound(
        number=document_number("OB", timezone.localdate()), order=order, warehouse=warehouse,
        planned_ship_date=planned_ship_date, carrier=carrier, tracking_number=tracking_number,
        note=note, created_by=user_of(actor)))
    new_lines = [OutboundLine(outbound=outbound, order_line=order_lines[pk], quantity=qty)
                 for pk, qty in wanted]
    for line in new_lines:  # an approved order's prices are fixed: the draft shows its value
        _price(line)
    bulk_insert(new_lines, with_ids=True)
    created = sorted(new_lines, key=lambda line: line.order_line.line_no)  # as read back
    OUTBOUND_LIFE.created(outbound, actor=actor, payload=_payload(created))
    outbound.line_list = created  # the lines in hand, for the answer: nothing read back
    return outbound


def _price(line: OutboundLine) -> PricedLine:
    """Set ``line``'s value from its order line's price, discount and tax (the order is
    approved, so they no longer change) and return it priced, as its invoice line."""
    priced = price_order_line(line.order_line, line.quantity)
    line.net_amount, line.tax_amount, line.total_amount = (
        priced.net_amount, priced.tax_amount, priced.total_amount)
    return priced


def _validated_lines(lines: Sequence[dict[str, Any]], order_lines: dict, free: dict,
                     warehouse: Warehouse) -> list[tuple[int, Decimal]]:
    errors = FieldErrors()
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    for index, line in enumerate(lines):
        at = f"lines[{index}]."
        order_line = order_lines.get(line.get("order_line_id"))
        if order_line is None:
            errors.add(at + "order_line_id",
                       f"Line {line.get('order_line_id')} is not a line of this order.")
            continue
        if order_line.warehouse_id != warehouse.pk:
            errors.add(at + "order_line_id",
                       f"Line {order_line.line_no} ships from another warehouse.")
            continue
        try:
            quantity = parse_quantity(line.get("quantity"), order_line.product)
        except ValidationFailed as exc:
            errors.add(at + "quantity", *exc.details["fields"]["quantity"])
            continue
        if quantity <= 0:
            errors.add(at + "quantity", "Must be greater than zero.")
            continue
        wanted[order_line.pk] += quantity
        if wanted[order_line.pk] > free[order_line.pk]:
            errors.add(at + "quantity",
                       f"Line {order_line.line_no} has only {free[order_line.pk]} open to ship.")
    errors.raise_if_any()
    return list(wanted.items())


@retry_transaction
def post_outbound(*, actor: Actor, outbound_id: int,
                  shipped_at: datetime | None = None) -> Outbound:
    # What the answer names with it: the warehouse, who drafted it (the order and its
    # customer come with the order's lock).
    outbound = OUTBOUND_LIFE.lock(outbound_id, joined=("warehouse", "created_by"))
    OUTBOUND_LIFE.check(outbound.status, OutboundStatus.POSTED)
    order = outbound.order = lock_for_shipping(outbound.order_id)
    # The order's lines are read (and locked) once, for the prices here and the shipped
    # quantities in record_shipment; the order's lock keeps every other writer of them out.
    order_lines = lock_lines_for_shipping(order)
    lines = _OUTBOUND_LINES.objects(outbound.pk)
    for line in lines:
        line.outbound, line.order_line = outbound, order_lines[line.order_line_id]
    lines.sort(key=lambda line: (line.order_line.line_no, line.pk))  # the model's ordering
    issue_reserved(source_type=RESERVATION_SOURCE, actor=actor, document_type="outbound",
                   document_id=outbound.pk, document_ref=outbound.number,
                   requests=[IssueRequest(source_id=line.order_line_id,
                                          product_id=line.order_line.product_id,
                                          warehouse_id=outbound.warehouse_id,
                                          quantity=line.quantity) for line in lines])
    # Priced again for the invoice, exactly as the draft was; only a draft whose stored value
    # differs (one made before drafts were priced) is written.
    stored = [(line.net_amount, line.tax_amount, line.total_amount) for line in lines]
    invoice_lines = [_price(line) for line in lines]
    bulk_update([line for line, amounts in zip(lines, stored, strict=True)
                 if amounts != (line.net_amount, line.tax_amount, line.total_amount)],
                ["net_amount", "tax_amount", "total_amount"])
    shipped_at = shipped_at or timezone.now()
    if timezone.is_naive(shipped_at):  # e.g. "2025-03-01T07:00" from the API: local time
        shipped_at = timezone.make_aware(shipped_at)
    # Rows every posting shares (the invoice number series, the order's status counters in
    # the report aggregates) come last, so concurrent postings hold them only briefly.
    outbound.invoice = issue_invoice(
        actor=actor, customer=load_related(order, "customer"), source_type="outbound",
        source_id=outbound.pk,
        source_ref=outbound.number, order_ref=order.number,
        issue_date=timezone.localdate(shipped_at), lines=invoice_lines)
    record_shipment(actor=actor, order=order, lines=order_lines,
                    shipped={line.order_line_id: line.quantity for line in lines},
                    document_ref=outbound.number)
    outbound.shipped_at = shipped_at
    OUTBOUND_LIFE.transition(outbound, OutboundStatus.POSTED, actor=actor, event="posted",
                             fields=["shipped_at", "invoice"], payload=_payload(lines))
    outbound.line_list = lines  # the lines in hand, for the answer: nothing read back
    return outbound


@retry_transaction
def cancel_outbound(*, actor: Actor, outbound_id: int, reason: str = "") -> Outbound:
    """Drop a draft: nothing has moved, so nothing moves back."""
    outbound = OUTBOUND_LIFE.lock(outbound_id)
    outbound.cancel_reason = (reason or "").strip()
    OUTBOUND_LIFE.transition(outbound, OutboundStatus.CANCELLED, actor=actor, event="cancelled",
                             reason=outbound.cancel_reason, fields=["cancel_reason"],
                             payload=_payload())
    return outbound


def _payload(lines: Sequence[OutboundLine] | None = None) -> Callable[[Outbound], dict]:
    """The outbox event's payload, with what its consumers (the report aggregates among them)
    need, so none of them reads the outbound again."""
    return lambda outbound: _event_payload(outbound, lines)


def _event_payload(outbound: Outbound, lines: Sequence[OutboundLine] | None) -> dict[str, Any]:
    if lines is None:
        lines = list(outbound.lines.select_related("order_line__product"))
    order = outbound.order
    return {"outbound_id": outbound.pk, "number": outbound.number,
            "order_id": outbound.order_id, "warehouse_id": outbound.warehouse_id,
            "customer_id": order.customer_id, "salesperson_id": order.created_by_id,
            "status": outbound.status, "invoice_id": outbound.invoice_id,
            "shipped_at": outbound.shipped_at.isoformat()
            if outbound.shipped_at else None,
            "lines": [{"order_line_id": line.order_line_id,
                       "product_id": line.order_line.product_id,
                       "sku": line.order_line.product.sku,
                       "quantity": line.quantity,
                       "net_amount": line.net_amount,
                       "total_amount": line.total_amount} for line in lines]}
