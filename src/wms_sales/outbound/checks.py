"""Invariants between shipments, orders and invoices, verified by ``wms-sales check``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Sum

from wms_sales.common.money import to_cents
from wms_sales.finance.models import Invoice
from wms_sales.inventory.selectors import QUANTUM
from wms_sales.orders.models import SalesOrderLine

from .models import Outbound, OutboundLine, OutboundStatus


def shipped_violations() -> Iterator[str]:
    """Each order line's shipped quantity is exactly what its posted outbounds shipped."""
    posted = dict(OutboundLine.objects.filter(outbound__status=OutboundStatus.POSTED)
                  .values("order_line_id").annotate(q=Sum("quantity"))
                  .values_list("order_line_id", "q"))
    lines = SalesOrderLine.objects.select_related("order").only(
        "id", "line_no", "shipped_quantity", "order__number")
    for line in lines.iterator():
        expected = Decimal(posted.get(line.pk) or 0).quantize(QUANTUM)
        if line.shipped_quantity != expected:
            yield (f"order {line.order.number} line {line.line_no}: shipped="
                   f"{line.shipped_quantity} but posted outbounds shipped {expected}")


def invoice_violations() -> Iterator[str]:
    """Every posted outbound has one invoice whose totals equal the outbound's value."""
    values = {row["outbound_id"]: row for row in OutboundLine.objects
              .filter(outbound__status=OutboundStatus.POSTED).values("outbound_id")
              .annotate(net=Sum("net_amount"), tax=Sum("tax_amount"), total=Sum("total_amount"))}
    invoices = {inv.source_id: inv for inv in Invoice.objects.filter(source_type="outbound")}
    for outbound in Outbound.objects.filter(status=OutboundStatus.POSTED).only("id", "number"):
        invoice = invoices.pop(outbound.pk, None)
        value = values.get(outbound.pk, {"net": 0, "tax": 0, "total": 0})
        if invoice is None:
            yield f"posted outbound {outbound.number} has no invoice"
        elif (invoice.net_amount, invoice.tax_amount, invoice.total_amount) != tuple(
                to_cents(Decimal(value[k] or 0)) for k in ("net", "tax", "total")):
            yield (f"invoice {invoice.number}: {invoice.net_amount}+{invoice.tax_amount}="
                   f"{invoice.total_amount} but outbound {outbound.number} shipped "
                   f"{value['net']}+{value['tax']}={value['total']}")
    for invoice in invoices.values():
        yield f"invoice {invoice.number} has no posted outbound"


def empty_document_violations() -> Iterator[str]:
    """A posted outbound ships something, and every invoice bills at least one line."""
    empty_outbounds = (Outbound.objects.filter(status=OutboundStatus.POSTED)
                       .exclude(lines__quantity__gt=0).values_list("number", flat=True))
    for number in empty_outbounds.iterator():
        yield f"posted outbound {number} ships nothing"
    for number in Invoice.objects.filter(lines__isnull=True).values_list("number", flat=True):
        yield f"invoice {number} has no lines"


CHECKS = [
    ("shipped quantities equal posted outbound lines", shipped_violations),
    ("invoice totals equal posted outbound values", invoice_violations),
    ("posted outbounds and invoices are not empty", empty_document_violations),
]
