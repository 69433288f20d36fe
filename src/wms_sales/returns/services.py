"""Return (退货单) use cases. Receiving is one transaction: goods restocked or written off,
the order's returned quantities and return status, a credit note, events.

Lock order: the return row, the order row, the order lines, then stock levels — as posting
an outbound does after its own row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Sum
from django.utils import timezone

from wms_sales.common.actors import Actor, user_of
from wms_sales.common.db import bulk_insert, bulk_update, insert_object, retry_transaction
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.numbering import document_number
from wms_sales.common.validation import FieldErrors
from wms_sales.finance.services import issue_credit_note
from wms_sales.inventory.selectors import warehouse_or_none
from wms_sales.inventory.services import ReturnedGoods, parse_quantity, receive_returned_goods
from wms_sales.orders.models import SalesOrderLine
from wms_sales.orders.pricing import price_order_line
from wms_sales.orders.services import lock_for_return, record_return

from .models import (
    OPEN_RETURN_STATUSES,
    Condition,
    ReturnLine,
    ReturnReason,
    ReturnStatus,
    SalesReturn,
)
from .states import RETURN_LIFE


def returnable_quantities(order_id: int, *, exclude_return: int | None = None,
                          order_lines: Iterable[SalesOrderLine] | None = None
                          ) -> dict[int, Decimal]:
    """Per order line: shipped − returned − what open (requested/approved) returns hold.
    ``order_lines``: the order's lines when the caller holds them (not read again)."""
    pending = ReturnLine.objects.filter(sales_return__order_id=order_id,
                                        sales_return__status__in=OPEN_RETURN_STATUSES)
    if exclude_return:
        pending = pending.exclude(sales_return_id=exclude_return)
    held = dict(pending.values("order_line_id").annotate(q=Sum("quantity"))
                .values_list("order_line_id", "q"))
    if order_lines is None:
        quantities: Iterable[tuple[int, Decimal, Decimal]] = (
            SalesOrderLine.objects.filter(order_id=order_id)
            .values_list("pk", "shipped_quantity", "returned_quantity"))
    else:
        quantities = ((line.pk, line.shipped_quantity, line.returned_quantity)
                      for line in order_lines)
    return {pk: shipped - returned - held.get(pk, 0) for pk, shipped, returned in quantities}


# The values of the choices, as sets: ``TextChoices.values`` builds a new list per call.
_CHOICE_VALUES: dict[type[models.TextChoices], frozenset[str]] = {
    choices: frozenset(choices.values) for choices in (Condition, ReturnReason)}


def _choice(value: Any, choices: type[models.TextChoices], field: str, errors: FieldErrors,
            default: str) -> str:
    value = value or default
    if not isinstance(value, str) or value not in _CHOICE_VALUES[choices]:
        errors.add(field, f"Choose one of {', '.join(choices.values)}.")
        return value
    return str(value)  # the plain value, as a read of the saved line gives it


@retry_transaction
def create_return(*, actor: Actor, order_id: int, lines: Sequence[dict[str, Any]],
                  note: str = "") -> SalesReturn:
    order = lock_for_return(order_id)  # serializes returns of one order: no double counting
    if not lines:
        raise ValidationFailed({"lines": "A return needs at least one line."})
    order_lines: dict[object, SalesOrderLine] = {  # looked up by the id as sent
        line.pk: line for line in order.lines.select_related("product").only(
            "order", "line_no", "product", "warehouse", "shipped_quantity",
            "returned_quantity", "product__sku", "product__name", "product__unit",
            "product__quantity_precision")}
    returnable = returnable_quantities(order.pk, order_lines=order_lines.values())
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
    sales_return = insert_object(SalesReturn(
        number=document_number("RT", timezone.localdate()), order=order, note=note,
        requested_by=user_of(actor)))
    for return_line in built:
        return_line.sales_return = sales_return
    bulk_insert(built, with_ids=True)
    built.sort(key=lambda line: line.order_line.line_no)  # as the lines are read back
    RETURN_LIFE.created(sales_return, actor=actor, event="requested", payload=_payload(built))
    sales_return.line_list = built  # the lines in hand, for the answer: nothing read back
    return sales_return


# What the event payload and the answer show of a return line, its order line and product
# (read with ``only``: a 1,000-line return would read the rest of those rows for nothing).
_ANSWERED = (*(field.attname for field in ReturnLine._meta.concrete_fields),
             "order_line__line_no", "order_line__product", "order_line__warehouse",
             "order_line__product__sku", "order_line__product__name",
             "order_line__product__unit")


def _lines_for_answer(sales_return: SalesReturn) -> list[ReturnLine]:
    """The return's lines with what its event payload and its answer show."""
    return list(sales_return.lines.select_related("order_line__product").only(*_ANSWERED))


# Read with the return a review locks: its order and customer (the event payload and the
# answer name them) and who asked for it (the answer).
_REVIEW_READS = ("order__customer", "requested_by")


@retry_transaction
def approve_return(*, actor: Actor, return_id: int) -> SalesReturn:
    sales_return = RETURN_LIFE.lock(return_id, joined=_REVIEW_READS)
    RETURN_LIFE.check(sales_return.status, ReturnStatus.APPROVED)
    lines = _lines_for_answer(sales_return)
    RETURN_LIFE.transition(sales_return, ReturnStatus.APPROVED, actor=actor, event="approved",
                           payload=_payload(lines))
    sales_return.line_list = lines  # the lines in hand, for the answer: nothing read back
    return sales_return


@retry_transaction
def reject_return(*, actor: Actor, return_id: int, reason: str) -> SalesReturn:
    sales_return = RETURN_LIFE.lock(return_id, joined=_REVIEW_READS)
    RETURN_LIFE.check(sales_return.status, ReturnStatus.REJECTED)
    if not (reason or "").strip():
        raise ValidationFailed({"reason": "A reason is required."})
    sales_return.status_reason = reason.strip()
    lines = _lines_for_answer(sales_return)
    RETURN_LIFE.transition(sales_return, ReturnStatus.REJECTED, actor=actor, event="rejected",
                           reason=sales_return.status_reason, fields=["status_reason"],
                           payload=_payload(lines))
    sales_return.line_list = lines  # the lines in hand, for the answer: nothing read back
    return sales_return


def _received_split(lines: list[ReturnLine], received: Sequence[dict[str, Any]] | None
                    ) -> dict[int, tuple[Decimal, Decimal]]:
    """(good, damaged) per return line; by default everything as expected."""
    if received is None:
        return {line.pk: ((line.quantity, Decimal(0)) if line.expected_condition == Condition.GOOD
                          else (Decimal(0), line.quantity)) for line in lines}
    by_id: dict[object, ReturnLine] = {line.pk: line for line in lines}  # looked up as sent
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
def receive_return(*, actor: Actor, return_id: int, warehouse_id: int | None = None,
                   lines: Sequence[dict[str, Any]] | None = None) -> SalesReturn:
    """Receive the goods of an approved return (into ``warehouse_id``, default: each line's
    shipping warehouse) and raise the credit note for the received value."""
    # Who asked for it and who approved it, for the answer (the order and its customer come
    # with the order's lock).
    sales_return = RETURN_LIFE.lock(return_id, joined=("requested_by", "reviewed_by"))
    RETURN_LIFE.check(sales_return.status, ReturnStatus.RECEIVED)
    warehouse = None
    if warehouse_id:
        warehouse = warehouse_or_none(warehouse_id, active_only=True)
        if warehouse is None:
            raise ValidationFailed(
                {"warehouse_id": f"Warehouse {warehouse_id} does not exist or is inactive."})
    order = sales_return.order = lock_for_return(sales_return.order_id)
    return_lines = list(sales_return.lines.select_related("order_line__product").only(
        *_ANSWERED, "order_line__unit_price", "order_line__discount_percent",
        "order_line__tax_rate_percent", "order_line__product__quantity_precision"))
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
    now = timezone.now()  # the credit note is dated on the receiving day
    sales_return.credit_note = issue_credit_note(
        actor=actor, customer=order.customer, source_type="return", source_id=sales_return.pk,
        source_ref=sales_return.number, order_ref=order.number,
        issue_date=timezone.localdate(now), lines=credit_lines)
    sales_return.warehouse = warehouse
    RETURN_LIFE.transition(sales_return, ReturnStatus.RECEIVED, actor=actor, event="received",
                           fields=["warehouse", "credit_note"], payload=_payload(return_lines),
                           at=now)
    sales_return.line_list = return_lines  # the lines in hand, for the answer
    return sales_return


def _payload(lines: Sequence[ReturnLine] | None = None) -> Callable[[SalesReturn], dict]:
    """The outbox event's payload, with what its consumers (the report aggregates among them)
    need."""
    return lambda sales_return: _event_payload(sales_return, lines)


def _event_payload(sales_return: SalesReturn,
                   lines: Sequence[ReturnLine] | None) -> dict[str, Any]:
    if lines is None:
        lines = list(sales_return.lines.select_related("order_line__product"))
    order = sales_return.order
    return {"return_id": sales_return.pk, "number": sales_return.number,
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
                       "reason": line.reason} for line in lines]}
