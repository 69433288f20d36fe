"""Invariants of sales orders, verified on a live database by ``wms-sales check``."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import F, Q, Sum

from wms_sales.common.constraints import HALF_QUANTUM, at_least
from wms_sales.inventory.models import Reservation

from .models import OPEN_STATUSES, SalesOrder, SalesOrderLine
from .selectors import RESERVATION_SOURCE


def line_violations() -> Iterator[str]:
    bad = SalesOrderLine.objects.filter(
        Q(shipped_quantity__lt=0) | Q(returned_quantity__lt=0)
        | ~Q(at_least(F("quantity") - F("closed_quantity"), F("shipped_quantity"), HALF_QUANTUM))
        | ~Q(at_least(F("shipped_quantity"), F("returned_quantity"), HALF_QUANTUM))
    ).select_related("order")
    for line in bad:
        yield (f"order {line.order.number} line {line.line_no}: ordered={line.quantity} "
               f"shipped={line.shipped_quantity} returned={line.returned_quantity} "
               f"closed={line.closed_quantity} breaks 0 <= returned <= shipped <= ordered")
    totals = (SalesOrderLine.objects.values("order_id")
              .annotate(net=Sum("net_amount"), tax=Sum("tax_amount")))
    by_order = {row["order_id"]: row for row in totals}
    for order in SalesOrder.objects.only("id", "number", "net_amount", "tax_amount").iterator():
        row = by_order.get(order.pk, {"net": Decimal(0), "tax": Decimal(0)})
        if (row["net"] or 0) != order.net_amount or (row["tax"] or 0) != order.tax_amount:
            yield (f"order {order.number}: totals {order.net_amount}+{order.tax_amount} differ "
                   f"from its lines {row['net']}+{row['tax']}")


def reservation_violations() -> Iterator[str]:
    """An open order holds exactly its open quantity; any other order holds nothing."""
    held = dict(Reservation.objects.filter(source_type=RESERVATION_SOURCE)
                .values_list("source_id", "quantity"))
    lines = SalesOrderLine.objects.select_related("order").only(
        "id", "line_no", "quantity", "shipped_quantity", "closed_quantity", "order__number",
        "order__status")
    for line in lines.iterator():
        expected = line.open_quantity if line.order.status in OPEN_STATUSES else Decimal(0)
        actual = held.get(line.pk, Decimal(0))
        if actual != expected:
            yield (f"order {line.order.number} ({line.order.status}) line {line.line_no}: "
                   f"{actual} reserved, expected {expected}")


CHECKS = [
    ("order lines: 0 <= returned <= shipped <= ordered, totals match lines", line_violations),
    ("open orders hold exactly their open quantity", reservation_violations),
]
