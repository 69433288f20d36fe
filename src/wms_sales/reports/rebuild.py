"""Recompute the aggregates from the documents alone — a second, independent derivation
of what the event handlers maintain, used by ``wms-sales rebuild-aggregates`` to report
drift and to (re)fill the tables, e.g. after a bulk import of history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from wms_sales.finance.models import Payment
from wms_sales.orders.models import OrderStatus, OrderTransition, SalesOrder, SalesOrderLine
from wms_sales.outbound.models import OutboundLine, OutboundStatus
from wms_sales.returns.models import ReturnLine, ReturnStatus

from . import aggregates
from .models import MEASURES, Dimension, ReturnReasonFact, SalesFact

CHUNK = 20_000


@lru_cache(maxsize=1_000_000)
def _day(moment: datetime):
    return timezone.localdate(moment)


def document_deltas() -> tuple[aggregates.Deltas, list[tuple]]:
    deltas = aggregates.new_deltas()
    spread = aggregates.spread
    orders = {}
    for pk, created_at, status, customer, salesperson, total in (
            SalesOrder.objects.values_list("pk", "created_at", "status", "customer_id",
                                           "created_by_id", "total_amount")
            .iterator(chunk_size=CHUNK)):
        keys = {Dimension.CUSTOMER: customer, Dimension.SALESPERSON: salesperson}
        orders[pk] = (keys, total)
        spread(deltas, _day(created_at), keys, {"orders_entered": 1, f"status_{status}": 1})
    approved_on = {}
    for order_id, to_status, at in (OrderTransition.objects
                                    .filter(to_status__in=[OrderStatus.APPROVED,
                                                           OrderStatus.COMPLETED])
                                    .values_list("order_id", "to_status", "at").order_by("id")
                                    .iterator(chunk_size=CHUNK)):
        keys, total = orders[order_id]
        if to_status == OrderStatus.APPROVED:
            approved_on[order_id] = _day(at)
            spread(deltas, _day(at), keys, {"orders_approved": 1, "ordered_amount": total})
        elif order_id in approved_on:
            spread(deltas, _day(at), keys, {
                "orders_completed": 1,
                "completion_days": (_day(at) - approved_on[order_id]).days})
    for order_id, product, warehouse, total in (
            SalesOrderLine.objects.filter(order_id__in=list(approved_on))
            .values_list("order_id", "product_id", "warehouse_id", "total_amount")
            .iterator(chunk_size=CHUNK)):
        day = approved_on[order_id]
        deltas[(day, Dimension.PRODUCT, product)]["ordered_amount"] += total
        deltas[(day, Dimension.WAREHOUSE, warehouse)]["ordered_amount"] += total
    for shipped_at, customer, salesperson, product, warehouse, qty, net, gross in (
            OutboundLine.objects.filter(outbound__status=OutboundStatus.POSTED)
            .values_list("outbound__shipped_at", "outbound__order__customer_id",
                         "outbound__order__created_by_id", "order_line__product_id",
                         "outbound__warehouse_id", "quantity", "net_amount", "total_amount")
            .iterator(chunk_size=CHUNK)):
        spread(deltas, _day(shipped_at),
               {Dimension.CUSTOMER: customer, Dimension.SALESPERSON: salesperson,
                Dimension.PRODUCT: product, Dimension.WAREHOUSE: warehouse},
               {"shipped_quantity": qty, "shipped_net": net, "shipped_gross": gross})
    reasons = []
    for received_at, customer, salesperson, product, warehouse, qty, net, gross, reason in (
            ReturnLine.objects.filter(sales_return__status=ReturnStatus.RECEIVED)
            .annotate(received=F("received_good") + F("received_damaged"))
            .filter(received__gt=0)
            .values_list("sales_return__received_at", "sales_return__order__customer_id",
                         "sales_return__order__created_by_id", "order_line__product_id",
                         "order_line__warehouse_id", "received", "net_amount",
                         "total_amount", "reason")
            .iterator(chunk_size=CHUNK)):
        day = _day(received_at)
        spread(deltas, day, {Dimension.CUSTOMER: customer, Dimension.SALESPERSON: salesperson,
                             Dimension.PRODUCT: product, Dimension.WAREHOUSE: warehouse},
               {"returned_quantity": qty, "returned_net": net, "returned_gross": gross})
        reasons.append((day, product, reason, qty, gross))
    for received_on, customer, amount in (Payment.objects
                                          .values_list("received_on", "customer_id", "amount")
                                          .iterator(chunk_size=CHUNK)):
        spread(deltas, received_on, {Dimension.CUSTOMER: customer}, {"paid_amount": amount})
    return deltas, reasons


def _stored() -> Iterator[tuple[aggregates.FactKey, dict]]:
    for row in SalesFact.objects.values("day", "dimension", "key", *MEASURES).iterator(
            chunk_size=CHUNK):
        yield (row["day"], row["dimension"], row["key"]), {m: row[m] for m in MEASURES}


def differences(deltas: aggregates.Deltas) -> list[str]:
    """Rows whose stored measures differ from the recomputation."""
    expected = {key: {m: row.get(m, 0) for m in MEASURES} for key, row in deltas.items()
                if any(row.values())}
    found = []
    for key, stored in _stored():
        wanted = expected.pop(key, dict.fromkeys(MEASURES, 0))
        diff = {m: (stored[m], wanted[m]) for m in MEASURES
                if Decimal(stored[m]) != Decimal(wanted[m])}
        if diff:
            found.append(f"{key[0]} {key[1]}:{key[2]} " + ", ".join(
                f"{m} stored {s} expected {w}" for m, (s, w) in diff.items()))
    found += [f"{key[0]} {key[1]}:{key[2]} missing" for key in expected]
    return found


@transaction.atomic
def rebuild() -> list[str]:
    """Recompute, report the drift, and replace the stored aggregates."""
    deltas, reasons = document_deltas()
    found = differences(deltas)
    SalesFact.objects.all().delete()
    ReturnReasonFact.objects.all().delete()
    aggregates.apply(deltas)
    aggregates.apply_reasons(reasons)
    return found
