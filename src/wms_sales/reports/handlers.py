"""Keep the aggregates in step with the documents: each handler runs inside the
transaction that records its event, so a posting and its statistics commit together."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from wms_sales.events.models import OutboxEvent
from wms_sales.events.services import subscribe
from wms_sales.finance.models import Payment
from wms_sales.orders.models import OrderStatus

from . import aggregates
from .models import Dimension

ORDER_EVENTS = ("order.created", "order.approved", "order.rejected", "order.cancelled",
                "order.closed", "order.shipping", "order.completed")


def _number(value) -> Decimal:
    # in memory a Decimal (as it is: thousands per document), from the stored JSON a string
    return value if type(value) is Decimal else Decimal(str(value))


def order_rows(order_id: int, customer_id: int, salesperson_id: int | None,
               total: Decimal, line_totals: list[tuple[int, int, Decimal]]
               ) -> list[tuple[str, int, Decimal]]:
    """Every aggregate row an order counts in, with the order value it contributes there:
    the whole order for all/customer/salesperson, its lines' value per product/warehouse."""
    per_product: dict[int, Decimal] = defaultdict(Decimal)
    per_warehouse: dict[int, Decimal] = defaultdict(Decimal)
    for product_id, warehouse_id, line_total in line_totals:
        per_product[product_id] += line_total
        per_warehouse[warehouse_id] += line_total
    return [(Dimension.ALL, 0, total), (Dimension.CUSTOMER, customer_id, total),
            (Dimension.SALESPERSON, salesperson_id or 0, total),
            *((Dimension.PRODUCT, k, v) for k, v in per_product.items()),
            *((Dimension.WAREHOUSE, k, v) for k, v in per_warehouse.items())]


def add_order_change(deltas: aggregates.Deltas, rows, *, entry_day, from_status: str,
                     to_status: str, day, approved_day=None) -> None:
    """The counters of one status change of an order (``from_status`` empty: entered)."""
    # The same names and figures for every row (thousands for a large order): once.
    status = f"status_{to_status}"
    left = f"status_{from_status}" if from_status else ""
    approved = to_status == OrderStatus.APPROVED
    completed = to_status == OrderStatus.COMPLETED and approved_day is not None
    took = (day - approved_day).days if completed else 0
    for dimension, key, value in rows:
        entry = deltas[(entry_day, dimension, key)]
        entry[status] += 1
        if left:
            entry[left] -= 1
        else:
            entry["orders_entered"] += 1
        if approved:
            row = deltas[(day, dimension, key)]
            row["orders_approved"] += 1
            row["ordered_amount"] += value
        elif completed:
            row = deltas[(day, dimension, key)]
            row["orders_completed"] += 1
            row["completion_days"] += took


@subscribe(*ORDER_EVENTS)
def on_order_transition(event: OutboxEvent) -> None:
    """From the event's payload alone: the order is not read again."""
    payload = event.payload
    line_totals: dict[tuple[int, int], Decimal] = defaultdict(Decimal)
    for line in payload["lines"]:
        line_totals[(line["product_id"], line["warehouse_id"])] += _number(
            line["total_amount"])
    approved_on = payload.get("approved_on")
    deltas = aggregates.new_deltas()
    add_order_change(
        deltas, order_rows(payload["order_id"], payload["customer"]["id"],
                           payload["salesperson_id"], _number(payload["total_amount"]),
                           [(*pair, total) for pair, total in line_totals.items()]),
        entry_day=date.fromisoformat(payload["entered_on"]),
        from_status=payload.get("from_status", ""), to_status=payload["status"],
        day=timezone.localdate(event.created_at),
        approved_day=date.fromisoformat(approved_on) if approved_on else None)
    aggregates.record(deltas)


def _document_keys(payload: dict) -> dict:
    return {Dimension.CUSTOMER: payload["customer_id"],
            Dimension.SALESPERSON: payload["salesperson_id"]}


@subscribe("outbound.posted")
def on_outbound_posted(event: OutboxEvent) -> None:
    payload = event.payload
    day = timezone.localdate(datetime.fromisoformat(str(payload["shipped_at"])))
    deltas = aggregates.new_deltas()
    warehouse_id = payload["warehouse_id"]
    aggregates.spread_lines(deltas, day, _document_keys(payload), (
        (line["product_id"], warehouse_id,
         {"shipped_quantity": _number(line["quantity"]),
          "shipped_net": _number(line["net_amount"]),
          "shipped_gross": _number(line["total_amount"])})
        for line in payload["lines"]))
    aggregates.record(deltas)


@subscribe("return.received")
def on_return_received(event: OutboxEvent) -> None:
    payload = event.payload
    day = timezone.localdate(datetime.fromisoformat(str(payload["received_at"])))
    lines, reasons = [], []
    for line in payload["lines"]:
        quantity = _number(line["received_good"]) + _number(line["received_damaged"])
        if not quantity:
            continue
        gross = _number(line["total_amount"])
        lines.append((line["product_id"], line["warehouse_id"],
                      {"returned_quantity": quantity,
                       "returned_net": _number(line["net_amount"]),
                       "returned_gross": gross}))
        reasons.append((day, line["product_id"], line["reason"], quantity, gross))
    deltas = aggregates.new_deltas()
    aggregates.spread_lines(deltas, day, _document_keys(payload), lines)
    aggregates.record(deltas)
    aggregates.apply_reasons(reasons)


@subscribe("payment.recorded", "payment.refunded")
def on_payment(event: OutboxEvent) -> None:
    payment = Payment.objects.get(pk=event.aggregate_id)
    deltas = aggregates.new_deltas()
    aggregates.spread(deltas, payment.received_on, {Dimension.CUSTOMER: payment.customer_id},
                      {"paid_amount": payment.amount})
    aggregates.record(deltas)
