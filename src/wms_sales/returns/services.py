"""Return (退货单) use cases. Receiving is one transaction: goods restocked or written off,
the order's returned quantities and return status, a credit note, events.

Lock order: the return row, the order row, the order lines, then stock levels — as posting
an outbound does after its own row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from wms_sales.common.db import bulk_update, retry_transaction
from wms_sales.common.errors import NotFound, ValidationFailed
from wms_sales.common.numbering import document_number
from wms_sales.common.validation import FieldErrors
from wms_sales.events.services import record_event
from wms_sales.finance.services import issue_credit_note
from wms_sales.inventory.models import Warehouse
from wms_sales.inventory.services import ReturnedGoods, parse_quantity, receive_returned_goods
from wms_sales.orders.models import SalesOrderLine
from wms_sales.orders.pricing import price_order_line
from wms_sales.orders.services import lock_for_return, record_return

from .errors import ReturnError
from .models import (
    OPEN_RETURN_STATUSES,
    Condition,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    SalesReturn,
)
from .states import check_transition


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) else None


def returnable_quantities(order_id: int, *, exclude_return: int | None = None
                          ) -> dict[int, Decimal]:
    """Per order line: shipped − returned − what open (requested/approved) returns hold."""
    pending = ReturnLine.objects.filter(sales_return__order_id=order_id,
                                        sales_return__status__in=OPEN_RETURN_STATUSES)
    if exclude_return:
        pending = pending.exclude(sales_return_id=exclude_return)
    held = dict(pending.values("order_line_id").annotate(q=Sum("quantity"))
                .values_list("order_line_id", "q"))
    return {line.pk: line.shipped_quantity - line.returned_quantity - held.get(line.pk, 0)
            for line in SalesOrderLine.objects.filter(order_id=order_id)}


def _choice(value: Any, choices: type, field: str, errors: FieldErrors,
            default: str) -> str:
    value = value or default
    if value not in choices.values:
        errors.add(field, f"Choose one of {', '.join(choices.values)}.")
    return value


@retry_transaction
def create_return(*, actor: Any, order_id: int, lines: Sequence[dict[str, Any]],
                  note: str = "") -> SalesReturn:
    order = lock_for_return(order_id)  # serializes returns of one order: no double counting
    if not lines:
        raise ValidationFailed({"lines": "A return needs at least one line."})
    order_lines = {line.pk: line for line in order.lines.select_related("product")}
    returnable = returnable_quantities(order.pk)
    errors = FieldErrors()
    wanted: dict[int, Decimal] = defaultdict(Decimal)
    built = []
    for index, line in enumerate(lines):
        at = f"lines[{index}]."
        order_line = order_lines.get(line.get("order_line_id"))
        if order_line is None:
            errors.add(at + "order_line_id",
                       f"Line {line.get('order_line_id')} is not a line of order {order.number}.")
            continue
        condition = _choice(line.get("expected_condition"), Condition,
                            at + "expected_condition", errors, Condition.GOOD)
        reason = _choice(line.get("reason"), ReturnReason, at + "reason", errors,
                         ReturnReason.OTHER)
        try:
            quantity = parse_quantity(line.get("quantity"), order_line.product)
        except ValidationFailed as exc:
            errors.add(at + "quantity", *exc.details["fields"]["quantity"])
            continue
        wanted[order_line.pk] += quantity
        if quantity <= 0:
            errors.add(at + "quantity", "Must be greater than zero.")
        elif wanted[order_line.pk] > returnable[order_line.pk]:
            errors.add(at + "quantity",
                       f"Line {order_line.line_no} ({order_line.product.sku}) can return at most "
                       f"{returnable[order_line.pk]}.")
        built.append(ReturnLine(order_line=order_line, quantity=quantity,
                                expected_condition=condition, reason=reason,
                                reason_text=(line.get("reason_text") or "").strip()))
    if len(wanted) < len(built):
        errors.add("lines", "Each order line may appear once per return.")
    errors.raise_if_any()
    sales_return = SalesReturn.objects.create(
        number=document_number("RT", timezone.localdate()), order=order, note=note,
        requested_by=_user(actor))
    for line in built:
        line.sales_return = sales_return
    ReturnLine.objects.bulk_create(built, batch_size=500)
    _event(sales_return, "return.requested")
    return sales_return


def _locked_return(return_id: int) -> SalesReturn:
    sales_return = SalesReturn.objects.select_for_update().filter(pk=return_id).first()
    if sales_return is None:
        raise NotFound(f"Return {return_id} does not exist.", code=ReturnError.RETURN_NOT_FOUND)
    return sales_return


@retry_transaction
def approve_return(*, actor: Any, return_id: int) -> SalesReturn:
    sales_return = _locked_return(return_id)
    check_transition(sales_return.status, ReturnStatus.APPROVED)
    sales_return.status = ReturnStatus.APPROVED
    sales_return.reviewed_by, sales_return.reviewed_at = _user(actor), timezone.now()
    sales_return.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    _event(sales_return, "return.approved")
    return sales_return


@retry_transaction
def reject_return(*, actor: Any, return_id: int, reason: str) -> SalesReturn:
    sales_return = _locked_return(return_id)
    check_transition(sales_return.status, ReturnStatus.REJECTED)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": "A reason is required."})
    sales_return.status, sales_return.status_reason = ReturnStatus.REJECTED, reason.strip()
    sales_return.reviewed_by, sales_return.reviewed_at = _user(actor), timezone.now()
    sales_return.save(update_fields=["status", "status_reason", "reviewed_by", "reviewed_at"])
    _event(sales_return, "return.rejected")
    return sales_return


def _received_split(lines: list[ReturnLine], received: Sequence[dict[str, Any]] | None
                    ) -> dict[int, tuple[Decimal, Decimal]]:
    """(good, damaged) per return line; by default everything as expected."""
    if received is None:
        return {line.pk: ((line.quantity, Decimal(0)) if line.expected_condition == Condition.GOOD
                          else (Decimal(0), line.quantity)) for line in lines}
    by_id = {line.pk: line for line in lines}
    errors = FieldErrors()
    split: dict[int, tuple[Decimal, Decimal]] = {}
    for index, item in enumerate(received):
        at = f"lines[{index}]."
        line = by_id.get(item.get("return_line_id"))
        if line is None:
            errors.add(at + "return_line_id",
                       f"Line {item.get('return_line_id')} is not a line of this return.")
            continue
        try:
            good = parse_quantity(item.get("good_quantity") or 0, line.order_line.product,
                                  field="good_quantity")
            damaged = parse_quantity(item.get("damaged_quantity") or 0, line.order_line.product,
                                     field="damaged_quantity")
        except ValidationFailed as exc:
            errors.add_all(exc.details["fields"], prefix=at)
            continue
        if good < 0 or damaged < 0:
            errors.add(at + "good_quantity", "Must not be negative.")
        elif good + damaged > line.quantity:
            errors.add(at + "good_quantity",
                       f"Received {good + damaged} but only {line.quantity} was approved.")
        split[line.pk] = (good, damaged)
    errors.raise_if_any()
    if not any(good + damaged > 0 for good, damaged in split.values()):
        raise ValidationFailed({"lines": "Nothing received; reject the return instead."})
    return split


@retry_transaction
def receive_return(*, actor: Any, return_id: int, warehouse_id: int | None = None,
                   lines: Sequence[dict[str, Any]] | None = None) -> SalesReturn:
    """Receive the goods of an approved return (into ``warehouse_id``, default: each line's
    shipping warehouse) and raise the credit note for the received value."""
    sales_return = _locked_return(return_id)
    check_transition(sales_return.status, ReturnStatus.RECEIVED)
    warehouse = None
    if warehouse_id:
        warehouse = Warehouse.objects.filter(pk=warehouse_id, active=True).first()
        if warehouse is None:
            raise ValidationFailed(
                {"warehouse_id": f"Warehouse {warehouse_id} does not exist or is inactive."})
    order = sales_return.order = lock_for_return(sales_return.order_id)
    return_lines = list(sales_return.lines.select_related("order_line__product"))
    split = _received_split(return_lines, lines)
    returned = {}
    for line in return_lines:
        line.received_good, line.received_damaged = split.get(line.pk, (Decimal(0),
                                                                        Decimal(0)))
        if line.received_quantity:
            returned[line.order_line_id] = line.received_quantity
    record_return(actor=actor, order=order, returned=returned, document_ref=sales_return.number)
    receive_returned_goods(
        actor=actor, document_type="return", document_id=sales_return.pk,
        document_ref=sales_return.number,
        items=[ReturnedGoods(product_id=line.order_line.product_id,
                             warehouse_id=warehouse.pk if warehouse else
                             line.order_line.warehouse_id,
                             good=line.received_good, damaged=line.received_damaged)
               for line in return_lines if line.received_quantity])
    credit_lines = []
    for line in return_lines:
        priced = price_order_line(line.order_line, line.received_quantity)
        line.net_amount, line.tax_amount, line.total_amount = (
            priced.net_amount, priced.tax_amount, priced.total_amount)
        if line.received_quantity:
            credit_lines.append(priced)
    bulk_update(return_lines, ["received_good", "received_damaged", "net_amount", "tax_amount",
                               "total_amount"])
    now = timezone.now()
    sales_return.credit_note = issue_credit_note(
        actor=actor, customer=order.customer, source_type="return", source_id=sales_return.pk,
        source_ref=sales_return.number, order_ref=order.number,
        issue_date=timezone.localdate(now), lines=credit_lines)
    sales_return.status, sales_return.warehouse = ReturnStatus.RECEIVED, warehouse
    sales_return.received_by, sales_return.received_at = _user(actor), now
    sales_return.save(update_fields=["status", "warehouse", "credit_note", "received_by",
                                     "received_at"])
    _event(sales_return, "return.received", return_lines)
    return sales_return


def _event(sales_return: SalesReturn, event_type: str,
           lines: Sequence[ReturnLine] | None = None) -> None:
    """The outbox event, with what its consumers (the report aggregates among them) need."""
    if lines is None:
        lines = list(sales_return.lines.select_related("order_line__product"))
    order = sales_return.order
    record_event(event_type=event_type, aggregate_type="sales_return",
                 aggregate_id=sales_return.pk,
                 payload={"return_id": sales_return.pk, "number": sales_return.number,
                          "order_id": sales_return.order_id, "status": sales_return.status,
                          "customer_id": order.customer_id,
                          "salesperson_id": order.created_by_id,
                          "credit_note_id": sales_return.credit_note_id,
                          "received_at": sales_return.received_at.isoformat()
                          if sales_return.received_at else None,
                          "lines": [{"order_line_id": line.order_line_id,
                                     "product_id": line.order_line.product_id,
                                     "warehouse_id": line.order_line.warehouse_id,
                                     "sku": line.order_line.product.sku,
                                     "quantity": line.quantity,
                                     "received_good": line.received_good,
                                     "received_damaged": line.received_damaged,
                                     "net_amount": line.net_amount,
                                     "total_amount": line.total_amount,
                                     "reason": line.reason} for line in lines]})
