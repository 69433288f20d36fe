"""Keep the aggregates in step with the documents: each handler runs inside the
transaction that records its event, so a posting and its statistics commit together."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from wms_sales.events.models import OutboxEvent
from wms_sales.events.services import subscribe
from wms_sales.finance.models import Payment
from wms_sales.orders.models import OrderStatus, SalesOrder
from wms_sales.outbound.models import Outbound
from wms_sales.returns.models import SalesReturn

from . import aggregates
from .models import Dimension

ORDER_EVENTS = ("order.created", "order.approved", "order.rejected", "order.cancelled",
                "order.closed", "order.shipping", "order.completed")


def _order_keys(order: SalesOrder) -> dict[str, int | None]:
    return {Dimension.CUSTOMER: order.customer_id, Dimension.SALESPERSON: order.created_by_id}


def order_transition_deltas(deltas, order: SalesOrder, from_status: str, to_status: str,
                            now) -> None:
    """Counters of one status change: the entry-day status mix, approvals, completions."""
    keys = _order_keys(order)
    entry_day = timezone.localdate(order.created_at)
    moves = {f"status_{to_status}": 1}
    if from_status:
        moves[f"status_{from_status}"] = -1
    else:
        moves["orders_entered"] = 1
    aggregates.spread(deltas, entry_day, keys, moves)
    today = timezone.localdate(now)
    if to_status == OrderStatus.APPROVED:
        aggregates.spread(deltas, today, keys, {"orders_approved": 1,
                                                "ordered_amount": order.total_amount})
        lines = (order.lines.values("product_id", "warehouse_id")
                 .annotate(total=Sum("total_amount")))
        for line in lines:
            for dimension in (Dimension.PRODUCT, Dimension.WAREHOUSE):
                key = line[f"{dimension}_id"]
                deltas[(today, dimension, key)]["ordered_amount"] += line["total"]
    if to_status == OrderStatus.COMPLETED and order.reviewed_at:
        days = (today - timezone.localdate(order.reviewed_at)).days
        aggregates.spread(deltas, today, keys, {"orders_completed": 1, "completion_days": days})


@subscribe(*ORDER_EVENTS)
def on_order_transition(event: OutboxEvent) -> None:
    order = SalesOrder.objects.get(pk=event.aggregate_id)
    deltas = aggregates.new_deltas()
    order_transition_deltas(deltas, order, event.payload.get("from_status", ""),
                            event.payload["status"], event.created_at)
    aggregates.apply(deltas)


def shipment_deltas(deltas, outbound: Outbound) -> None:
    day = timezone.localdate(outbound.shipped_at)
    order = outbound.order
    for line in outbound.lines.select_related("order_line"):
        aggregates.spread(deltas, day, {**_order_keys(order),
                                        Dimension.PRODUCT: line.order_line.product_id,
                                        Dimension.WAREHOUSE: outbound.warehouse_id},
                          {"shipped_quantity": line.quantity, "shipped_net": line.net_amount,
                           "shipped_gross": line.total_amount})


@subscribe("outbound.posted")
def on_outbound_posted(event: OutboxEvent) -> None:
    deltas = aggregates.new_deltas()
    shipment_deltas(deltas, Outbound.objects.select_related("order").get(pk=event.aggregate_id))
    aggregates.apply(deltas)


def return_deltas(deltas, sales_return: SalesReturn) -> list[tuple]:
    day = timezone.localdate(sales_return.received_at)
    order = sales_return.order
    reasons = []
    for line in sales_return.lines.select_related("order_line"):
        quantity = line.received_good + line.received_damaged
        if not quantity:
            continue
        aggregates.spread(deltas, day, {**_order_keys(order),
                                        Dimension.PRODUCT: line.order_line.product_id,
                                        Dimension.WAREHOUSE: line.order_line.warehouse_id},
                          {"returned_quantity": quantity, "returned_net": line.net_amount,
                           "returned_gross": line.total_amount})
        reasons.append((day, line.order_line.product_id, line.reason, quantity,
                        line.total_amount))
    return reasons


@subscribe("return.received")
def on_return_received(event: OutboxEvent) -> None:
    deltas = aggregates.new_deltas()
    reasons = return_deltas(deltas, SalesReturn.objects.select_related("order")
                            .get(pk=event.aggregate_id))
    aggregates.apply(deltas)
    aggregates.apply_reasons(reasons)


def payment_deltas(deltas, payment: Payment) -> None:
    aggregates.spread(deltas, payment.received_on, {Dimension.CUSTOMER: payment.customer_id},
                      {"paid_amount": payment.amount})


@subscribe("payment.recorded", "payment.refunded")
def on_payment(event: OutboxEvent) -> None:
    deltas = aggregates.new_deltas()
    payment_deltas(deltas, Payment.objects.get(pk=event.aggregate_id))
    aggregates.apply(deltas)
