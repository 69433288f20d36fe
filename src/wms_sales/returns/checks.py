"""Invariants of returns, verified on a live database by ``wms-sales check``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import F, Sum

from wms_sales.common.money import to_cents
from wms_sales.finance.models import CreditNote
from wms_sales.inventory.selectors import QUANTUM
from wms_sales.orders.models import SalesOrderLine

from .models import ReturnLine, ReturnStatus, SalesReturn


def returned_violations() -> Iterator[str]:
    """Each order line's returned quantity is exactly what received returns took back."""
    received = dict(ReturnLine.objects.filter(sales_return__status=ReturnStatus.RECEIVED)
                    .values("order_line_id")
                    .annotate(q=Sum(F("received_good") + F("received_damaged")))
                    .values_list("order_line_id", "q"))
    lines = SalesOrderLine.objects.select_related("order").only(
        "id", "line_no", "returned_quantity", "order__number")
    for line in lines.iterator():
        expected = Decimal(received.get(line.pk) or 0).quantize(QUANTUM)
        if line.returned_quantity != expected:
            yield (f"order {line.order.number} line {line.line_no}: returned="
                   f"{line.returned_quantity} but received returns took back {expected}")


def credit_note_violations() -> Iterator[str]:
    """Every received return has one credit note equal to its received value."""
    values = {row["sales_return_id"]: row["total"] for row in ReturnLine.objects
              .filter(sales_return__status=ReturnStatus.RECEIVED).values("sales_return_id")
              .annotate(total=Sum("total_amount"))}
    notes = {note.source_id: note for note in CreditNote.objects.filter(source_type="return")}
    for sales_return in SalesReturn.objects.filter(status=ReturnStatus.RECEIVED):
        note = notes.pop(sales_return.pk, None)
        value = to_cents(Decimal(values.get(sales_return.pk) or 0))
        if note is None:
            yield f"received return {sales_return.number} has no credit note"
        elif note.total_amount != value:
            yield (f"credit note {note.number} totals {note.total_amount} but return "
                   f"{sales_return.number} received {value}")
    for note in notes.values():
        yield f"credit note {note.number} has no received return"


CHECKS = [
    ("returned quantities equal received return lines", returned_violations),
    ("credit note totals equal received return values", credit_note_violations),
]
