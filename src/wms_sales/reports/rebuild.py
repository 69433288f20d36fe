"""Recompute the aggregates from the documents alone — a second derivation of what the
event handlers maintain. ``rebuild-aggregates`` uses it to report drift and (re)fill the
tables (e.g. after a bulk load of history); the reports use it, restricted by filters, to
answer a combination of filters no single grain holds."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.db.models import F, Q, QuerySet, Sum
from django.utils import timezone

from wms_sales.finance.models import Payment
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders.models import OrderStatus, SalesOrder, SalesOrderLine
from wms_sales.orders.states import ORDER_LIFE
from wms_sales.outbound.models import OutboundLine, OutboundStatus
from wms_sales.returns.models import ReturnLine, ReturnStatus

from . import aggregates
from .handlers import add_order_change, order_rows
from .models import MEASURES, Dimension, ReturnReasonFact, SalesFact, SalesFactDelta, SalesFactMonth

CHUNK = 20_000


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    customer_id: int | None = None
    product_id: int | None = None
    warehouse_id: int | None = None
    salesperson_id: int | None = None

    @property
    def by_document(self) -> bool:
        return any((self.customer_id, self.product_id, self.warehouse_id,
                    self.salesperson_id))

    def window(self) -> tuple[datetime | None, datetime | None]:
        """The date range as aware datetimes at local midnight."""
        def at_midnight(day: date | None) -> datetime | None:
            return timezone.make_aware(datetime.combine(day, time.min)) if day else None
        return (at_midnight(self.date_from),
                at_midnight(self.date_to + timedelta(days=1) if self.date_to else None))

    def lines(self, prefix: str) -> Q:
        """The condition on order lines reached through ``prefix`` (e.g. ``order_line__``)."""
        q = Q()
        if self.product_id:
            q &= Q(**{f"{prefix}product_id": self.product_id})
        if self.warehouse_id:
            q &= Q(**{f"{prefix}warehouse_id": self.warehouse_id})
        return q

    def orders(self, prefix: str) -> Q:
        q = Q()
        if self.customer_id:
            q &= Q(**{f"{prefix}customer_id": self.customer_id})
        if self.salesperson_id:
            q &= Q(**{f"{prefix}created_by_id": self.salesperson_id})
        return q


def _in_window(qs: QuerySet, field: str, filters: Filters) -> QuerySet:
    start, end = filters.window()
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lt": end})
    return qs


@lru_cache(maxsize=1_000_000)
def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _order_deltas(deltas: aggregates.Deltas, filters: Filters, only_all: bool) -> None:
    orders = SalesOrder.objects.filter(filters.orders(""))
    if filters.product_id or filters.warehouse_id:
        orders = orders.filter(pk__in=SalesOrderLine.objects.filter(filters.lines(""))
                               .values("order_id"))
    ids = list(orders.values_list("pk", flat=True).order_by("pk"))
    for chunk in _chunks(ids):
        line_totals: dict[int, list] = defaultdict(list)
        for order_id, product, warehouse, total in (
                SalesOrderLine.objects.filter(Q(order_id__in=chunk) & filters.lines(""))
                .values("order_id", "product_id", "warehouse_id")
                .annotate(total=Sum("total_amount"))
                .values_list("order_id", "product_id", "warehouse_id", "total")):
            line_totals[order_id].append((product, warehouse, total))
        history: dict[int, list] = defaultdict(list)
        for order_id, from_status, to_status, at in (
                DocumentTransition.objects.filter(document_type=ORDER_LIFE.document_type,
                                                  document_id__in=chunk)
                .order_by("document_id", "at", "id")
                .values_list("document_id", "from_status", "to_status", "at")):
            history[order_id].append((from_status, to_status, at))
        for pk, created_at, customer, salesperson, total in (
                SalesOrder.objects.filter(pk__in=chunk).values_list(
                    "pk", "created_at", "customer_id", "created_by_id", "total_amount")):
            lines = line_totals[pk]
            if filters.product_id or filters.warehouse_id:
                total = sum((t for _, _, t in lines), Decimal(0))
            rows = order_rows(pk, customer, salesperson, total, lines)
            if only_all:
                rows = rows[:1]
            approved_day = None
            for from_status, to_status, at in history[pk]:
                if to_status == OrderStatus.APPROVED:
                    approved_day = _day(at)
                add_order_change(deltas, rows, entry_day=_day(created_at),
                                 from_status=from_status, to_status=to_status, day=_day(at),
                                 approved_day=approved_day)


def _document_rows(deltas, reasons, filters: Filters, only_all: bool) -> None:
    shipped = _in_window(OutboundLine.objects.filter(
        Q(outbound__status=OutboundStatus.POSTED) & filters.orders("outbound__order__")
        & filters.lines("order_line__")), "outbound__shipped_at", filters)
    if filters.warehouse_id:  # an outbound ships from one warehouse
        shipped = shipped.filter(outbound__warehouse_id=filters.warehouse_id)
    for at, customer, salesperson, product, warehouse, qty, net, gross in shipped.values_list(
            "outbound__shipped_at", "outbound__order__customer_id",
            "outbound__order__created_by_id", "order_line__product_id",
            "outbound__warehouse_id", "quantity", "net_amount", "total_amount"
    ).iterator(chunk_size=CHUNK):
        keys: dict[str, int | None] = {} if only_all else {
            Dimension.CUSTOMER: customer, Dimension.SALESPERSON: salesperson,
            Dimension.PRODUCT: product, Dimension.WAREHOUSE: warehouse}
        aggregates.spread(deltas, _day(at), keys, {"shipped_quantity": qty, "shipped_net": net,
                                                   "shipped_gross": gross})
    returned = _in_window(ReturnLine.objects.filter(
        Q(sales_return__status=ReturnStatus.RECEIVED) & filters.orders("sales_return__order__")
        & filters.lines("order_line__")), "sales_return__received_at", filters).annotate(
        received=F("received_good") + F("received_damaged")).filter(received__gt=0)
    for at, customer, salesperson, product, warehouse, qty, net, gross, reason in (
            returned.values_list(
                "sales_return__received_at", "sales_return__order__customer_id",
                "sales_return__order__created_by_id", "order_line__product_id",
                "order_line__warehouse_id", "received", "net_amount", "total_amount", "reason")
            .iterator(chunk_size=CHUNK)):
        keys = {} if only_all else {
            Dimension.CUSTOMER: customer, Dimension.SALESPERSON: salesperson,
            Dimension.PRODUCT: product, Dimension.WAREHOUSE: warehouse}
        aggregates.spread(deltas, _day(at), keys, {"returned_quantity": qty,
                                                   "returned_net": net, "returned_gross": gross})
        reasons.append((_day(at), product, reason, qty, gross))
    if filters.product_id or filters.warehouse_id or filters.salesperson_id:
        return  # payments belong to a customer, not to products, warehouses or sellers
    payments = Payment.objects.filter(filters.orders(""))
    for received_on, customer, amount in payments.values_list(
            "received_on", "customer_id", "amount").iterator(chunk_size=CHUNK):
        keys = {} if only_all else {Dimension.CUSTOMER: customer}
        aggregates.spread(deltas, received_on, keys, {"paid_amount": amount})


def document_deltas(filters: Filters | None = None, *, only_all: bool = False
                    ) -> tuple[aggregates.Deltas, list[tuple]]:
    """The aggregate rows implied by the documents matching ``filters``: every grain, or
    with ``only_all`` just the ``all`` series (e.g. one customer's figures)."""
    filters = filters or Filters()
    deltas = aggregates.new_deltas()
    reasons: list[tuple[Any, ...]] = []
    _order_deltas(deltas, filters, only_all)
    _document_rows(deltas, reasons, filters, only_all)
    return deltas, reasons


def _stored() -> Iterator[tuple[aggregates.FactKey, dict]]:
    for row in SalesFact.objects.values("day", "dimension", "key", *MEASURES).iterator(
            chunk_size=CHUNK):
        yield (row["day"], row["dimension"], row["key"]), {m: row[m] for m in MEASURES}


def differences(deltas: aggregates.Deltas) -> list[str]:
    """Rows whose stored measures differ from the recomputation."""
    aggregates.fold(wait=True)
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


def month_differences() -> list[str]:
    """Month rows that are not the sum of their days."""
    aggregates.fold(wait=True)
    from django.db.models.functions import TruncMonth

    by_day = {(row.pop("month"), row.pop("dimension"), row.pop("key")): row for row in
              SalesFact.objects.annotate(month=TruncMonth("day"))
              .values("month", "dimension", "key")
              .annotate(**{m: Sum(m) for m in MEASURES}).order_by()}
    found = []
    for row in SalesFactMonth.objects.values("month", "dimension", "key", *MEASURES):
        at = (row.pop("month"), row.pop("dimension"), row.pop("key"))
        days = by_day.pop(at, dict.fromkeys(MEASURES, 0))
        if any(Decimal(row[m]) != Decimal(days[m] or 0) for m in MEASURES):
            found.append(f"month {at[0]:%Y-%m} {at[1]}:{at[2]} differs from its days")
    found += [f"month {at[0]:%Y-%m} {at[1]}:{at[2]} missing" for at, days in by_day.items()
              if any(days.values())]
    return found


@transaction.atomic
def rebuild() -> list[str]:
    """Recompute, report the drift, and replace the stored aggregates."""
    deltas, reasons = document_deltas()
    found = differences(deltas)
    SalesFactDelta.objects.all().delete()  # counted again in the recomputation
    SalesFact.objects.all().delete()
    SalesFactMonth.objects.all().delete()
    ReturnReasonFact.objects.all().delete()
    aggregates.apply(deltas)
    aggregates.apply_reasons(reasons)
    return found
