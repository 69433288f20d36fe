"""Report figures, read from the daily aggregates (one grain per question); a combination
of filters that no grain holds is answered from the matching documents instead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Sum

from wms_sales.catalog.models import Product
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.money import to_cents
from wms_sales.customers.models import Customer
from wms_sales.finance.models import Invoice, InvoiceStatus
from wms_sales.inventory.models import Warehouse
from wms_sales.returns.models import ReturnReason

from . import cache
from .models import MEASURES, Dimension, ReturnReasonFact, SalesFact
from .rebuild import Filters, document_deltas

STATUSES = ("pending", "approved", "shipping", "completed", "rejected", "cancelled")
GRANULARITIES = ("day", "week", "month")
FILTER_DIMENSIONS = {"customer_id": Dimension.CUSTOMER, "product_id": Dimension.PRODUCT,
                     "warehouse_id": Dimension.WAREHOUSE,
                     "salesperson_id": Dimension.SALESPERSON}
MAX_RANGE_DAYS = 3660
QUANTUM = Decimal("0.0001")


def make_filters(*, date_from: date | None = None, date_to: date | None = None,
                 **keys: int | None) -> Filters:
    """Validated filters; the range defaults to the last 30 days."""
    from django.utils import timezone

    date_to = date_to or timezone.localdate()
    date_from = date_from or date_to - timedelta(days=29)
    if date_from > date_to:
        raise ValidationFailed({"date_from": "Must not be after date_to."})
    if (date_to - date_from).days > MAX_RANGE_DAYS:
        raise ValidationFailed({"date_from": f"At most {MAX_RANGE_DAYS} days per report."})
    return Filters(date_from=date_from, date_to=date_to, **keys)


def _grain(filters: Filters) -> tuple[str, int] | None:
    """The aggregate grain holding these filters, or None when only documents can tell."""
    given = [(FILTER_DIMENSIONS[name], getattr(filters, name)) for name in FILTER_DIMENSIONS
             if getattr(filters, name)]
    if not given:
        return Dimension.ALL, 0
    return given[0] if len(given) == 1 else None


def daily_rows(filters: Filters) -> dict[date, dict[str, Any]]:
    """Summed measures per day of the range for the filtered business."""
    grain = _grain(filters)
    if grain is None:
        deltas, _ = document_deltas(filters, only_all=True)
        return {day: dict(row) for (day, _, _), row in deltas.items()
                if filters.date_from <= day <= filters.date_to}
    dimension, key = grain
    rows = (SalesFact.objects.filter(dimension=dimension, key=key,
                                     day__range=(filters.date_from, filters.date_to))
            .values("day", *MEASURES))
    return {row.pop("day"): row for row in rows}


def _total(rows: Iterable[dict[str, Any]]) -> dict[str, Any]:
    total: dict[str, Any] = dict.fromkeys(MEASURES, 0)
    for row in rows:
        for name in MEASURES:
            total[name] += row.get(name, 0) or 0
    return total


def _ratio(numerator, denominator, places: str = "0.0001") -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(Decimal(places))


def measures(total: dict[str, Any]) -> dict[str, Any]:
    """The figures a manager reads, from summed aggregate measures."""
    open_orders = (total["status_approved"] + total["status_shipping"]
                   + total["status_completed"])
    return {
        "orders_entered": total["orders_entered"],
        "orders_by_status": {status: total[f"status_{status}"] for status in STATUSES},
        "orders_approved": total["orders_approved"],
        "ordered_amount": to_cents(Decimal(total["ordered_amount"])),
        "sales_net": to_cents(Decimal(total["shipped_net"])),
        "sales_gross": to_cents(Decimal(total["shipped_gross"])),
        "invoiced": to_cents(Decimal(total["shipped_gross"])),
        "paid": to_cents(Decimal(total["paid_amount"])),
        "returned_net": to_cents(Decimal(total["returned_net"])),
        "returned_gross": to_cents(Decimal(total["returned_gross"])),
        "shipped_quantity": Decimal(total["shipped_quantity"]).quantize(QUANTUM),
        "returned_quantity": Decimal(total["returned_quantity"]).quantize(QUANTUM),
        "return_rate_value": _ratio(total["returned_gross"], total["shipped_gross"]),
        "return_rate_quantity": _ratio(total["returned_quantity"], total["shipped_quantity"]),
        "completion_rate": _ratio(total["status_completed"], open_orders),
        "avg_days_to_complete": _ratio(total["completion_days"], total["orders_completed"],
                                       "0.01"),
        "avg_order_value": (to_cents(Decimal(total["ordered_amount"])
                                     / total["orders_approved"])
                            if total["orders_approved"] else None),
    }


def outstanding(filters: Filters) -> Decimal | None:
    """Open receivables now (invoiced, not yet paid or credited); per customer or in all."""
    if filters.product_id or filters.warehouse_id or filters.salesperson_id:
        return None  # receivables belong to customers only
    invoices = Invoice.objects.exclude(status=InvoiceStatus.PAID)
    if filters.customer_id:
        invoices = invoices.filter(customer_id=filters.customer_id)
    sums = invoices.aggregate(total=Sum("total_amount"), paid=Sum("paid_amount"),
                              credited=Sum("credited_amount"))
    return to_cents((sums["total"] or 0) - (sums["paid"] or 0) - (sums["credited"] or 0))


@cache.cached("summary")
def summary(filters: Filters) -> dict[str, Any]:
    figures = measures(_total(daily_rows(filters).values()))
    figures["outstanding"] = outstanding(filters)
    return figures


def period_start(day: date, granularity: str) -> date:
    if granularity == "week":
        return day - timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


@cache.cached("trend")
def trend(filters: Filters, granularity: str = "day") -> list[dict[str, Any]]:
    """Sales amount, order count and return rate per day, week (Monday) or month."""
    if granularity not in GRANULARITIES:
        raise ValidationFailed({"granularity": f"Choose one of {', '.join(GRANULARITIES)}."})
    rows = daily_rows(filters)
    periods: dict[date, list] = defaultdict(list)
    day = filters.date_from
    while day <= filters.date_to:  # every period appears, also the empty ones
        periods[period_start(day, granularity)].append(rows.get(day, {}))
        day += timedelta(days=1)
    points = []
    for start in sorted(periods):
        total = _total(periods[start])
        points.append({"period": start, "sales_gross": to_cents(Decimal(total["shipped_gross"])),
                       "sales_net": to_cents(Decimal(total["shipped_net"])),
                       "orders_entered": total["orders_entered"],
                       "returned_gross": to_cents(Decimal(total["returned_gross"])),
                       "return_rate_value": _ratio(total["returned_gross"],
                                                   total["shipped_gross"])})
    return points


def names(dimension: str, keys: Iterable[int]) -> dict[int, tuple[str, str]]:
    """(code, name) per key of a dimension, for labels."""
    keys = list(keys)
    if dimension == Dimension.CUSTOMER:
        rows = Customer.objects.filter(pk__in=keys).values_list("pk", "code", "name")
    elif dimension == Dimension.PRODUCT:
        rows = Product.objects.filter(pk__in=keys).values_list("pk", "sku", "name")
    elif dimension == Dimension.WAREHOUSE:
        rows = Warehouse.objects.filter(pk__in=keys).values_list("pk", "code", "name")
    else:
        rows = [(pk, username, username) for pk, username in get_user_model().objects
                .filter(pk__in=keys).values_list("pk", "username")]
    return {pk: (code, name) for pk, code, name in rows}


def _per_key(filters: Filters, dimension: str) -> dict[int, dict[str, Any]]:
    """Summed measures per key of ``dimension`` over the range, within the filters."""
    others = {name: getattr(filters, name) for name, dim in FILTER_DIMENSIONS.items()
              if dim != dimension and getattr(filters, name)}
    own = next((getattr(filters, name) for name, dim in FILTER_DIMENSIONS.items()
                if dim == dimension), None)
    if others:  # e.g. top products of one customer: only the documents know
        deltas, _ = document_deltas(filters)
        per_key: dict[int, list] = defaultdict(list)
        for (day, dim, key), row in deltas.items():
            if dim == dimension and filters.date_from <= day <= filters.date_to:
                per_key[key].append(row)
        return {key: _total(rows) for key, rows in per_key.items()}
    rows = SalesFact.objects.filter(dimension=dimension,
                                    day__range=(filters.date_from, filters.date_to))
    if own:
        rows = rows.filter(key=own)
    summed = rows.values("key").annotate(**{name: Sum(name) for name in MEASURES})
    return {row.pop("key"): row for row in summed}


@cache.cached("top")
def top(filters: Filters, dimension: str, limit: int = 10) -> list[dict[str, Any]]:
    """The best ``limit`` customers/products/warehouses/salespeople by sales amount."""
    if dimension not in {d.value for d in Dimension} - {Dimension.ALL}:
        raise ValidationFailed({"dimension": "Choose customer, product, warehouse or "
                                             "salesperson."})
    if not 1 <= limit <= 100:
        raise ValidationFailed({"limit": "Between 1 and 100."})
    per_key = _per_key(filters, dimension)
    ranked = sorted(per_key.items(), key=lambda item: (-Decimal(item[1]["shipped_gross"] or 0),
                                                       item[0]))[:limit]
    labels = names(dimension, [key for key, _ in ranked])
    return [{"key": key, "code": labels.get(key, ("", ""))[0],
             "name": labels.get(key, ("", ""))[1], **measures(total)}
            for key, total in ranked]


@cache.cached("returns")
def returns(filters: Filters, limit: int = 10) -> list[dict[str, Any]]:
    """Most returned products: returned value and quantity, return rate, main reasons."""
    per_product = _per_key(filters, Dimension.PRODUCT)
    ranked = sorted(((key, total) for key, total in per_product.items()
                     if total["returned_quantity"]),
                    key=lambda item: (-Decimal(item[1]["returned_gross"]), item[0]))[:limit]
    keys = [key for key, _ in ranked]
    reasons: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    if filters.by_document and _grain(filters) != (Dimension.PRODUCT, filters.product_id):
        _, reason_rows = document_deltas(filters)
        for day, product, reason, quantity, _gross in reason_rows:
            if product in keys and filters.date_from <= day <= filters.date_to:
                reasons[product][reason] += Decimal(quantity).quantize(QUANTUM)
    else:
        for row in (ReturnReasonFact.objects
                    .filter(product_id__in=keys, day__range=(filters.date_from,
                                                             filters.date_to))
                    .values("product_id", "reason").annotate(q=Sum("returned_quantity"))):
            reasons[row["product_id"]][row["reason"]] += Decimal(row["q"]).quantize(QUANTUM)
    labels = names(Dimension.PRODUCT, keys)
    reason_names = dict(ReturnReason.choices)
    result = []
    for key, total in ranked:
        figures = measures(total)
        main = sorted(reasons[key].items(), key=lambda item: -item[1])
        result.append({
            "key": key, "code": labels.get(key, ("", ""))[0],
            "name": labels.get(key, ("", ""))[1],
            "returned_quantity": figures["returned_quantity"],
            "returned_gross": figures["returned_gross"],
            "shipped_quantity": figures["shipped_quantity"],
            "return_rate_quantity": figures["return_rate_quantity"],
            "return_rate_value": figures["return_rate_value"],
            "reasons": [{"reason": reason, "label": str(reason_names.get(reason, reason)),
                         "quantity": quantity} for reason, quantity in main]})
    return result
