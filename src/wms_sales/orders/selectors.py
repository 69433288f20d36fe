from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Q, QuerySet

from wms_sales.common.compiled import CompiledRead
from wms_sales.common.errors import NotFound
from wms_sales.common.money import to_cents
from wms_sales.finance.selectors import open_receivables
from wms_sales.inventory.reservations import held_quantities
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.selectors import document_history

from .errors import OrderError
from .models import OPEN_STATUSES, SalesOrder, SalesOrderLine
from .states import ORDER_LIFE

RESERVATION_SOURCE = "sales_order_line"


# Compiled once: the credit check runs it on every approval.
_OPEN_LINES = CompiledRead(lambda customer_id: SalesOrderLine.objects.filter(
    order__customer_id=customer_id, order__status__in=OPEN_STATUSES,
).values_list("total_amount", "quantity", "shipped_quantity", "closed_quantity"), arity=1)


def credit_exposure(customer_id: int) -> dict[str, Decimal]:
    """What the customer may owe, before this order (DESIGN.md §2): open receivables
    (invoiced − credited − paid) plus the value of approved or shipping order lines not yet
    shipped (shipping is what raises the invoice, so nothing is counted twice)."""
    rows = _OPEN_LINES.rows(customer_id)
    # Summed in Python, in Decimal: SQLite divides integral decimals as integers (200 / 3 = 66).
    open_orders = to_cents(sum((total * (qty - shipped - closed) / qty
                                for total, qty, shipped, closed in rows), Decimal(0)))
    receivables = open_receivables(customer_id)
    return {"receivables": receivables, "open_orders": open_orders,
            "total": receivables + open_orders}


def order_list(*, status: str | None = None, customer_id: int | None = None,
               number: str = "", date_from: date | None = None,
               date_to: date | None = None, q: str = "") -> QuerySet[SalesOrder]:
    qs = SalesOrder.objects.select_related("customer", "created_by", "reviewed_by", "warehouse")
    if status:
        qs = qs.filter(status=status)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if q:
        qs = qs.filter(Q(number__icontains=q.strip()) | Q(customer__name__icontains=q.strip())
                       | Q(customer__code__icontains=q.strip()))
    if date_from:
        qs = qs.filter(order_date__gte=date_from)
    if date_to:
        qs = qs.filter(order_date__lte=date_to)
    return qs.order_by("-id")


def order_detail(order_id: int) -> SalesOrder:
    """The order with its lines; each line carries ``reserved_quantity`` (still held)."""
    order = (SalesOrder.objects.select_related("customer", "warehouse", "created_by",
                                               "reviewed_by")
             .filter(pk=order_id).first())
    if order is None:
        raise NotFound(f"Order {order_id} does not exist.", code=OrderError.ORDER_NOT_FOUND)
    lines = list(order.lines.select_related("product", "warehouse").order_by("line_no"))
    held = held_quantities(source_type=RESERVATION_SOURCE, source_ids=[line.pk for line in lines])
    for line in lines:
        line.reserved_quantity = held.get(line.pk, Decimal(0))
    order.line_list = lines
    return order


def order_history(order_id: int) -> QuerySet[DocumentTransition]:
    return document_history(ORDER_LIFE, order_id)
