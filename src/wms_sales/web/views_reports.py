"""The statistics dashboard (the managers' home page) and its CSV/Excel downloads.

Figures come from the reports selectors only; the charts receive them as JSON in the page
(``json_script``), already labelled in the user's language, and static/web/dashboard.js
draws them with the vendored Chart.js."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from wms_sales.common.errors import ValidationFailed
from wms_sales.orders.models import OrderStatus
from wms_sales.reports import exports, selectors
from wms_sales.reports.rebuild import Filters
from wms_sales.returns.models import ReturnReason

from . import selectors as web_selectors
from . import views
from .forms_reports import GRANULARITY_LABELS, QUICK_DAYS, THIS_MONTH, ReportFilterForm
from .helpers import permission

REPORTS_PERM = "reports.view_reports"
TOP_LIMIT = 10
PAGE, PARTIAL = "web/reports/dashboard.html", "web/reports/_dashboard.html"

# (measure of selectors.summary, label, how it is shown, what it means)
KPIS = (
    ("orders_entered", gettext_lazy("Orders entered"), "count",
     gettext_lazy("Orders entered in the range, whatever became of them.")),
    ("sales_gross", gettext_lazy("Sales amount (gross)"), "money",
     gettext_lazy("Posted outbounds (invoiced), tax included.")),
    ("sales_net", gettext_lazy("Sales amount (net)"), "money",
     gettext_lazy("Posted outbounds (invoiced), before tax.")),
    ("ordered_amount", gettext_lazy("Ordered amount"), "money",
     gettext_lazy("Value of the orders approved in the range.")),
    ("returned_gross", gettext_lazy("Returned amount"), "money",
     gettext_lazy("Credit notes of the returns received in the range.")),
    ("return_rate_value", gettext_lazy("Return rate (value)"), "percent",
     gettext_lazy("Returned amount ÷ sales amount.")),
    ("return_rate_quantity", gettext_lazy("Return rate (quantity)"), "percent",
     gettext_lazy("Quantity returned ÷ quantity shipped.")),
    ("completion_rate", gettext_lazy("Completion rate"), "percent",
     gettext_lazy("Completed ÷ approved orders, of those entered in the range.")),
    ("avg_days_to_complete", gettext_lazy("Average days to complete"), "days",
     gettext_lazy("From approval to completion, of the orders completed in the range.")),
    ("avg_order_value", gettext_lazy("Average order value"), "money",
     gettext_lazy("Ordered amount ÷ orders approved.")),
    ("outstanding", gettext_lazy("Outstanding receivables"), "money",
     gettext_lazy("Invoiced and not yet paid or credited, today; per customer only.")),
    ("paid", gettext_lazy("Payments received"), "money",
     gettext_lazy("Payments received in the range, less refunds.")),
)
STATUS_COLORS = {"pending": "#e0a800", "approved": "#1f77b4", "shipping": "#17a2b8",
                 "completed": "#2ca02c", "rejected": "#d62728", "cancelled": "#8c8c8c"}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Reviewers, the warehouse and finance land on their queues; others on the statistics
    (or the overview without them)."""
    queues = web_selectors.work_queues(request.user)
    if queues.any:
        return render(request, "web/queue.html", {"queues": queues})
    if request.user.has_perm(REPORTS_PERM):
        return dashboard(request)
    return views.home(request)


@permission(REPORTS_PERM)
def dashboard(request: HttpRequest) -> HttpResponse:
    form = ReportFilterForm.from_query(request.GET)
    filters, granularity = form.report_filters()
    summary = selectors.summary(filters)
    trend = selectors.trend(filters, granularity)
    tops = {dimension: selectors.top(filters, dimension, TOP_LIMIT)
            for dimension in ("product", "customer")}
    returned = selectors.returns(filters, TOP_LIMIT)
    query = form.query()
    htmx = request.headers.get("HX-Request") == "true"
    response = render(request, PARTIAL if htmx else PAGE, {
        "form": form, "filters": filters,
        "kpis": [{"key": key, "label": label, "kind": kind, "hint": hint,
                  "value": _shown(summary[key], kind)} for key, label, kind, hint in KPIS],
        "top_products": _rated(tops["product"], "return_rate_value"),
        "top_customers": _rated(tops["customer"], "return_rate_value"),
        "returned": _rated(returned, "return_rate_quantity"),
        "charts": _charts(summary, trend, tops, returned, granularity),
        "downloads": _downloads(query),
        "ranges": [(str(days), _("Last %(days)s days") % {"days": days})
                   for days in QUICK_DAYS] + [(THIS_MONTH, _("This month"))],
        "active_range": form.active_range(),
    })
    if htmx:  # the address bar shows the resolved filters, not the button that was pressed
        response["HX-Push-Url"] = f"{request.path}?{query.urlencode()}"
    patch_vary_headers(response, ["HX-Request"])
    return response


def _shown(value: Any, kind: str) -> Any:
    return value * 100 if kind == "percent" and value is not None else value


def _rated(rows: list[dict[str, Any]], rate: str) -> list[dict[str, Any]]:
    return [{**row, "return_rate_percent": _shown(row[rate], "percent")} for row in rows]


# --- charts --------------------------------------------------------------------------------

# A short day for axis labels ("Mar 9" / "3月9日"); the locale's MONTH_DAY_FORMAT spells the
# month out in English, too long for 90 labels.
SHORT_DAY = pgettext_lazy("date format of a day on a chart axis (see PHP date())", "M j")


def period_label(start: date, granularity: str) -> str:
    if granularity == "month":
        return date_format(start, "YEAR_MONTH_FORMAT")
    day = date_format(start, str(SHORT_DAY))
    return _("Week of %(date)s") % {"date": day} if granularity == "week" else day


def _number(value: Any) -> float | None:
    """Chart.js wants numbers; the figures are rounded Decimals, so float is exact enough."""
    return None if value is None else float(value)


def _percent(value: Decimal | None) -> float | None:
    return None if value is None else round(float(value) * 100, 2)


def _ranking(rows: list[dict[str, Any]], title: str) -> dict[str, Any]:
    return {"type": "bar", "horizontal": True, "x_title": _("Sales amount (gross)"),
            "currency": settings.WMS_CURRENCY_SYMBOL,
            "labels": [f"{row['code']} {row['name']}".strip() for row in rows],
            "datasets": [{"label": title, "data": [_number(row["sales_gross"]) for row in rows]}]}


def _charts(summary: dict[str, Any], trend: list[dict[str, Any]],
            tops: dict[str, list[dict[str, Any]]], returned: list[dict[str, Any]],
            granularity: str) -> dict[str, Any]:
    periods = [period_label(point["period"], granularity) for point in trend]
    axis = str(GRANULARITY_LABELS[granularity])
    # One bar segment per reason that occurs, in the reasons' own order.
    found = {item["reason"]: item["label"] for row in returned for item in row["reasons"]}
    order = {reason: n for n, reason in enumerate(ReturnReason.values)}
    reasons = sorted(found, key=lambda reason: order.get(reason, len(order)))
    return {
        "sales": {"type": "line", "labels": periods, "x_title": axis, "y_title": _("Amount"),
                  "currency": settings.WMS_CURRENCY_SYMBOL,
                  "datasets": [
                      {"label": _("Sales amount (gross)"),
                       "data": [_number(point["sales_gross"]) for point in trend]},
                      {"label": _("Sales amount (net)"),
                       "data": [_number(point["sales_net"]) for point in trend]},
                      {"label": _("Returned amount"),
                       "data": [_number(point["returned_gross"]) for point in trend]}]},
        "return_rate": {"type": "line", "labels": periods, "x_title": axis,
                        "y_title": _("Return rate (%)"), "percent": True,
                        "datasets": [{"label": _("Return rate (value)"),
                                      "data": [_percent(point["return_rate_value"])
                                               for point in trend]}]},
        "status": {"type": "doughnut",
                   "labels": [str(OrderStatus(status).label) for status in selectors.STATUSES],
                   "colors": [STATUS_COLORS[status] for status in selectors.STATUSES],
                   "datasets": [{"label": _("Order count"),
                                 "data": [summary["orders_by_status"][status]
                                          for status in selectors.STATUSES]}]},
        "top_products": _ranking(tops["product"], _("Top products")),
        "top_customers": _ranking(tops["customer"], _("Top customers")),
        "returns": {"type": "bar", "horizontal": True, "stacked": True,
                    "x_title": _("Quantity returned"),
                    "labels": [f"{row['code']} {row['name']}".strip() for row in returned],
                    "datasets": [{"label": found[reason],
                                  "data": [_number(next((item["quantity"] for item in row["reasons"]
                                                         if item["reason"] == reason), 0))
                                           for row in returned]}
                                 for reason in reasons]},
    }


# --- downloads -----------------------------------------------------------------------------

Table = Callable[..., tuple[list[str], list[list[Any]]]]


def _summary_export(filters: Filters, _granularity: str) -> tuple[str, Any, Table]:
    return ("summary", {"date_from": filters.date_from, "date_to": filters.date_to,
                        **selectors.summary(filters)}, exports.summary_table)


def _trend_export(filters: Filters, granularity: str) -> tuple[str, Any, Table]:
    return f"trend-{granularity}", selectors.trend(filters, granularity), exports.records_table


def _top_export(filters: Filters, _granularity: str, *, dimension: str
                ) -> tuple[str, Any, Table]:
    return f"top-{dimension}", selectors.top(filters, dimension, TOP_LIMIT), exports.records_table


def _returns_export(filters: Filters, _granularity: str) -> tuple[str, Any, Table]:
    return "returns", selectors.returns(filters, TOP_LIMIT), exports.records_table


# The same titles, data and tables as the API's format=csv|xlsx answers (reports/api.py),
# so a download from the page and one from the API are the same file.
EXPORTS: dict[str, tuple[Any, Callable[[Filters, str], tuple[str, Any, Table]]]] = {
    "summary": (gettext_lazy("Summary"), _summary_export),
    "trend": (gettext_lazy("Trend"), _trend_export),
    **{f"top-{dimension}": (title, partial(_top_export, dimension=dimension))
       for dimension, title in (("product", gettext_lazy("Top products")),
                                ("customer", gettext_lazy("Top customers")),
                                ("warehouse", gettext_lazy("Top warehouses")),
                                ("salesperson", gettext_lazy("Top salespeople")))},
    "returns": (gettext_lazy("Most returned products"), _returns_export),
}
FORMAT_LABELS = {"csv": "CSV", "xlsx": "Excel"}


def _downloads(query: Any) -> dict[str, Any]:
    """Per report (key with "_" for "-", for templates): its title and a link per format,
    carrying the current filters; ``more`` lists the reports the page does not show."""
    suffix = f"?{query.urlencode()}" if query else ""
    links: dict[str, Any] = {report.replace("-", "_"): {"title": title, "links": [
        (FORMAT_LABELS[fmt], reverse("web:report_export", args=[report, fmt]) + suffix)
        for fmt in exports.FORMATS]} for report, (title, _export) in EXPORTS.items()}
    links["more"] = [links["top_warehouse"], links["top_salesperson"]]
    return links


@permission(REPORTS_PERM)
def report_export(request: HttpRequest, report: str, fmt: str) -> HttpResponse:
    if report not in EXPORTS or fmt not in exports.FORMATS:
        raise Http404
    form = ReportFilterForm.from_query(request.GET)
    if not form.is_valid():
        errors = "; ".join(f"{name}: {' '.join(str(m) for m in messages)}"
                           for name, messages in form.errors.items())
        return HttpResponse(errors, status=422, content_type="text/plain; charset=utf-8")
    filters, granularity = form.report_filters()
    try:
        title, data, table = EXPORTS[report][1](filters, granularity)
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=422, content_type="text/plain; charset=utf-8")
    # The page's downloads speak the page's language in words, English too (the API's
    # English files keep the JSON keys for scripts).
    headers, rows = table(data, in_words=True)
    return exports.render(fmt, title, filters, headers, rows, in_words=True,
                          heading=str(EXPORTS[report][0]))
