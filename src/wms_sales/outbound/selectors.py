from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet, Sum

from wms_sales.common.errors import NotFound
from wms_sales.customers.selectors import number_or_customer
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.selectors import document_history
from wms_sales.orders.models import OPEN_STATUSES, SalesOrderLine

from .errors import OutboundError
from .models import Outbound, OutboundLine, OutboundStatus
from .states import OUTBOUND_LIFE


def outbound_list(*, status: str | None = None, order_id: int | None = None,
                  warehouse_id: int | None = None, customer_id: int | None = None,
                  number: str = "",
                  date_from: date | None = None, date_to: date | None = None, q: str = ""
                  ) -> QuerySet[Outbound]:
    qs = Outbound.objects.select_related("order__customer", "warehouse", "created_by",
                                         "posted_by", "invoice")
    if status:
        qs = qs.filter(status=status)
    if order_id:
        qs = qs.filter(order_id=order_id)
    if warehouse_id:
        qs = qs.filter(warehouse_id=warehouse_id)
    if customer_id:
        qs = qs.filter(order__customer_id=customer_id)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if q.strip():
        qs = qs.filter(number_or_customer(q, "order__customer"))
    if date_from:
        qs = qs.filter(created_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(created_at__date__lte=date_to)
    return qs.order_by("-id")


def outbound_detail(outbound_id: int) -> Outbound:
    # The lines with their order line and product in one query (not one per level).
    lines = Prefetch("lines", OutboundLine.objects.select_related("order_line__product"))
    outbound = outbound_list().prefetch_related(lines).filter(pk=outbound_id).first()
    if outbound is None:
        raise NotFound(f"Outbound {outbound_id} does not exist.",
                       code=OutboundError.OUTBOUND_NOT_FOUND)
    return outbound


def ship_queue(*, warehouse_id: int | None = None, q: str = "") -> list[dict[str, Any]]:
    """The warehouse work queue: per approved/shipping order and warehouse, what is still
    open to ship (minus what draft outbounds already hold), earliest requested date first,
    then by order and warehouse."""
    lines = SalesOrderLine.objects.filter(order__status__in=OPEN_STATUSES).annotate(
        open=F("quantity") - F("shipped_quantity") - F("closed_quantity")).filter(open__gt=0)
    if warehouse_id:
        lines = lines.filter(warehouse_id=warehouse_id)
    if q.strip():
        lines = lines.filter(Q(order__number__icontains=q.strip())
                             | Q(order__customer__name__icontains=q.strip())
                             | Q(order__customer__code__icontains=q.strip()))
    rows = (lines.values("order_id", "order__number", "order__customer__name",
                         "order__requested_delivery_date", "order__order_date", "order__status",
                         "warehouse_id", "warehouse__code")
            # dict rows: the name clashes only in the plugin, with SalesOrderLine.open_quantity
            .annotate(open_quantity=Sum("open"), open_lines=Count("id")))  # type: ignore[no-redef]
    drafted = {(r["order_id"], r["warehouse_id"]): r["q"] for r in
               Outbound.objects.filter(status=OutboundStatus.DRAFT)
               .values("order_id", "warehouse_id").annotate(q=Sum("lines__quantity"))}
    queue = [{
        "order_id": r["order_id"], "order_number": r["order__number"],
        "customer_name": r["order__customer__name"], "status": r["order__status"],
        "order_date": r["order__order_date"],
        "requested_delivery_date": r["order__requested_delivery_date"],
        "warehouse_id": r["warehouse_id"], "warehouse_code": r["warehouse__code"],
        "open_lines": r["open_lines"], "open_quantity": r["open_quantity"],
        "drafted_quantity": drafted.get((r["order_id"], r["warehouse_id"]), Decimal(0)),
    } for r in rows]
    # The warehouse last: an order open in two warehouses lists them in one order every time
    # (the GROUP BY gives its rows in no defined order).
    queue.sort(key=lambda r: (r["requested_delivery_date"] or date.max, r["order_id"],
                              r["warehouse_id"]))
    return queue


def outbound_history(document_id: int) -> QuerySet[DocumentTransition]:
    return document_history(OUTBOUND_LIFE, document_id)
