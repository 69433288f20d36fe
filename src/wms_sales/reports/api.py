from datetime import date
from decimal import Decimal
from typing import Literal

from django.http import HttpRequest
from ninja import Query, Router

from wms_sales.common.api import require_perm
from wms_sales.common.schemas import Schema

from . import exports, selectors

router = Router(tags=["reports"])
Format = Literal["json", "csv", "xlsx"]


class ReportFilters(Schema):
    date_from: date | None = None  # default: 29 days before date_to
    date_to: date | None = None  # default: today (installation time zone)
    customer_id: int | None = None
    product_id: int | None = None
    warehouse_id: int | None = None
    salesperson_id: int | None = None  # the user who entered the order
    format: Format = "json"

    def filters(self):
        data = self.dict(exclude={"format"})
        return selectors.make_filters(**data)


class Figures(Schema):
    orders_entered: int
    orders_by_status: dict[str, int]
    orders_approved: int
    ordered_amount: Decimal
    sales_net: Decimal
    sales_gross: Decimal
    invoiced: Decimal
    paid: Decimal
    returned_net: Decimal
    returned_gross: Decimal
    shipped_quantity: Decimal
    returned_quantity: Decimal
    return_rate_value: Decimal | None
    return_rate_quantity: Decimal | None
    completion_rate: Decimal | None
    avg_days_to_complete: Decimal | None
    avg_order_value: Decimal | None


class SummaryOut(Figures):
    date_from: date
    date_to: date
    outstanding: Decimal | None


class TrendPoint(Schema):
    period: date
    sales_gross: Decimal
    sales_net: Decimal
    orders_entered: int
    returned_gross: Decimal
    return_rate_value: Decimal | None


class TopRow(Figures):
    key: int
    code: str
    name: str


class ReasonOut(Schema):
    reason: str
    label: str
    quantity: Decimal


class ReturnsRow(Schema):
    key: int
    code: str
    name: str
    returned_quantity: Decimal
    returned_gross: Decimal
    shipped_quantity: Decimal
    return_rate_quantity: Decimal | None
    return_rate_value: Decimal | None
    reasons: list[ReasonOut]


def _answer(query: ReportFilters, title: str, data, table):
    if query.format == "json":
        return data
    headers, rows = table(data)
    return exports.render(query.format, title, query.filters(), headers, rows)


@router.get("/summary", response=SummaryOut)
@require_perm("reports.view_reports")
def summary(request: HttpRequest, query: Query[ReportFilters]):
    """Orders, sales, returns and receivables of a date range; `format=csv|xlsx` exports."""
    filters = query.filters()
    data = {"date_from": filters.date_from, "date_to": filters.date_to,
            **selectors.summary(filters)}
    return _answer(query, "summary", data, exports.summary_table)


@router.get("/trend", response=list[TrendPoint])
@require_perm("reports.view_reports")
def trend(request: HttpRequest, query: Query[ReportFilters],
          granularity: Literal["day", "week", "month"] = "day"):
    data = selectors.trend(query.filters(), granularity)
    return _answer(query, f"trend-{granularity}", data, exports.records_table)


@router.get("/top", response=list[TopRow])
@require_perm("reports.view_reports")
def top(request: HttpRequest, query: Query[ReportFilters],
        dimension: Literal["customer", "product", "warehouse", "salesperson"] = "customer",
        limit: int = 10):
    data = selectors.top(query.filters(), dimension, limit)
    return _answer(query, f"top-{dimension}", data, exports.records_table)


@router.get("/returns", response=list[ReturnsRow])
@require_perm("reports.view_reports")
def returns(request: HttpRequest, query: Query[ReportFilters], limit: int = 10):
    """The most returned products with their return rate and main reasons."""
    data = selectors.returns(query.filters(), limit)
    return _answer(query, "returns", data, exports.records_table)
