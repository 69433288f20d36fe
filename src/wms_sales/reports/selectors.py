"""Report figures, read from the daily aggregates (one grain per question); a combination
of filters that no grain holds is answered from the matching documents instead."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet, Sum

from wms_sales.catalog.models import Product
from wms_sales.common.errors import ValidationFailed
from wms_sales.common.money import to_cents
from wms_sales.customers.models import Customer
from wms_sales.inventory.models import Warehouse
from wms_sales.returns.models import ReturnReason

from . import aggregates, cache
from .models import MEASURES, Dimension, ReturnReasonFact, SalesFact, SalesFactMonth
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


def _range(filters: Filters) -> tuple[date, date]:
    """A report's dates: make_filters always sets both (only a rebuild runs unbounded)."""
    if filters.date_from is None or filters.date_to is None:
        raise ValueError("A report needs a date range: build its filters with make_filters().")
    return filters.date_from, filters.date_to


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
    date_from, date_to = _range(filters)
    if grain is None:
        deltas, _ = document_deltas(filters, only_all=True)
        return {day: dict(row) for (day, _, _), row in deltas.items()
                if date_from <= day <= date_to}
    dimension, key = grain
    rows = (SalesFact.objects.filter(dimension=dimension, key=key,
                                     day__range=(date_from, date_to))
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
    """Receivables now — invoiced − credited − paid, the customer balance of finance — per
    customer or in all, summed from the monthly aggregates (a few dozen rows)."""
    if filters.product_id or filters.warehouse_id or filters.salesperson_id:
        return None  # receivables belong to customers only
    dimension, key = ((Dimension.CUSTOMER, filters.customer_id) if filters.customer_id
                      else (Dimension.ALL, 0))
    sums = SalesFactMonth.objects.filter(dimension=dimension, key=key).aggregate(
        invoiced=Sum("shipped_gross"), credited=Sum("returned_gross"), paid=Sum("paid_amount"))
    zero = Decimal(0)  # no rows at all: the sums are None
    return to_cents((sums["invoiced"] or zero) - (sums["credited"] or zero)
                    - (sums["paid"] or zero))


@cache.cached("summary")
@aggregates.folded
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
@aggregates.folded
def trend(filters: Filters, granularity: str = "day") -> list[dict[str, Any]]:
    """Sales amount, order count and return rate per day, week (Monday) or month."""
    if granularity not in GRANULARITIES:
        raise ValidationFailed({"granularity": f"Choose one of {', '.join(GRANULARITIES)}."})
    rows = daily_rows(filters)
    periods: dict[date, list] = defaultdict(list)
    day, date_to = _range(filters)
    while day <= date_to:  # every period appears, also the empty ones
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
    rows: Iterable[tuple[int, str, str]]
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


def _pieces(filters: Filters) -> tuple[list[date], list[tuple[date, date, int]]]:
    """The range as whole months (monthly rows) plus day ranges with a sign (daily rows).

    A month the range only partly covers is read from whichever side has fewer days: the
    days inside it (+), or the month row less the days outside it (−) — for a range ending
    today the days outside are mostly still to come, so they cost nothing."""
    months: list[date] = []
    days: list[tuple[date, date, int]] = []
    date_from, date_to = _range(filters)
    month = date_from.replace(day=1)
    while month <= date_to:
        following = _next_month(month)
        lo, hi = max(month, date_from), min(following - timedelta(days=1), date_to)
        inside = (hi - lo).days + 1
        if inside == (following - month).days:
            months.append(month)
        elif inside <= (following - month).days - inside:
            days.append((lo, hi, 1))
        else:
            months.append(month)
            if lo > month:
                days.append((month, lo - timedelta(days=1), -1))
            if hi < following - timedelta(days=1):
                days.append((hi + timedelta(days=1), following - timedelta(days=1), -1))
        month = following
    return months, days


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def _summed(filters: Filters, dimension: str, fields: Sequence[str], *, key: int | None = None,
            keys: Sequence[int] | None = None) -> dict[int, dict[str, Any]]:
    """``fields`` summed per key of ``dimension`` over the range, from the aggregates."""
    months, day_ranges = _pieces(filters)
    parts: list[tuple[QuerySet[SalesFact] | QuerySet[SalesFactMonth], int]] = [
        (SalesFact.objects.filter(dimension=dimension, day__range=(lo, hi)), sign)
        for lo, hi, sign in day_ranges]
    if months:
        parts.append((SalesFactMonth.objects.filter(dimension=dimension, month__in=months), 1))
    result: dict[int, dict[str, Any]] = defaultdict(lambda: dict.fromkeys(fields, 0))
    for rows, sign in parts:
        if key:
            rows = rows.filter(key=key)
        if keys is not None:
            rows = rows.filter(key__in=keys)
        for row in rows.values("key").annotate(**{f: Sum(f) for f in fields}).order_by():
            totals = result[row.pop("key")]
            for name in fields:
                totals[name] += sign * (row[name] or 0)
    return result


def _per_key(filters: Filters, dimension: str, rank_by: str, limit: int
             ) -> list[tuple[int, dict[str, Any]]]:
    """The ``limit`` keys of ``dimension`` with the most ``rank_by`` in the range, within
    the filters, each with all its summed measures."""
    others = {name: getattr(filters, name) for name, dim in FILTER_DIMENSIONS.items()
              if dim != dimension and getattr(filters, name)}
    own = next((getattr(filters, name) for name, dim in FILTER_DIMENSIONS.items()
                if dim == dimension), None)
    if others:  # e.g. top products of one customer: only the documents know
        deltas, _ = document_deltas(filters)
        date_from, date_to = _range(filters)
        per_key: dict[int, list] = defaultdict(list)
        for (day, dim, key), row in deltas.items():
            if dim == dimension and date_from <= day <= date_to:
                per_key[key].append(row)
        totals = {key: _total(rows) for key, rows in per_key.items()}
    else:
        # Rank on one column first, then read every measure of the winners only.
        ranks = _summed(filters, dimension, [rank_by], key=own)
        best = sorted(ranks, key=lambda k: (-Decimal(ranks[k][rank_by]), k))[:limit]
        totals = _summed(filters, dimension, MEASURES, keys=best)
    ranked = sorted(totals.items(), key=lambda item: (-Decimal(item[1][rank_by] or 0), item[0]))
    return ranked[:limit]


@cache.cached("top")
@aggregates.folded
def top(filters: Filters, dimension: str, limit: int = 10) -> list[dict[str, Any]]:
    """The best ``limit`` customers/products/warehouses/salespeople by sales amount."""
    if dimension not in {d.value for d in Dimension} - {Dimension.ALL}:
        raise ValidationFailed({"dimension": "Choose customer, product, warehouse or "
                                             "salesperson."})
    if not 1 <= limit <= 100:
        raise ValidationFailed({"limit": "Between 1 and 100."})
    ranked = _per_key(filters, dimension, "shipped_gross", limit)
    labels = names(dimension, [key for key, _ in ranked])
    return [{"key": key, "code": labels.get(key, ("", ""))[0],
             "name": labels.get(key, ("", ""))[1], **measures(total)}
            for key, total in ranked]


@cache.cached("returns")
@aggregates.folded
def returns(filters: Filters, limit: int = 10) -> list[dict[str, Any]]:
    """Most returned products: returned value and quantity, return rate, main reasons."""
    ranked = [(key, total) for key, total
              in _per_key(filters, Dimension.PRODUCT, "returned_gross", limit)
              if total["returned_quantity"]]
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
