"""Every report as CSV or Excel, with the filters written above the table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import get_language, gettext_lazy
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from wms_sales.catalog.models import Product
from wms_sales.customers.models import Customer
from wms_sales.inventory.models import Warehouse
from wms_sales.orders.models import OrderStatus

from .rebuild import Filters

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# Files in words name filters, measures and columns as the page does: the web page's downloads
# always, the API's in Chinese; the API's English files keep the JSON keys, which scripts
# reading them rely on.
LABELS = {
    "date_from": gettext_lazy("From"), "date_to": gettext_lazy("To"),
    "customer_id": gettext_lazy("Customer ID"), "product_id": gettext_lazy("Product ID"),
    "warehouse_id": gettext_lazy("Warehouse ID"),
    "salesperson_id": gettext_lazy("Salesperson ID"),
    "orders_entered": gettext_lazy("Orders entered"),
    "orders_by_status": gettext_lazy("Orders by status"),
    "orders_approved": gettext_lazy("Orders approved"),
    "ordered_amount": gettext_lazy("Ordered amount"),
    "sales_net": gettext_lazy("Sales amount (net)"),
    "sales_gross": gettext_lazy("Sales amount (gross)"),
    "invoiced": gettext_lazy("Invoiced"), "paid": gettext_lazy("Paid"),
    "returned_net": gettext_lazy("Returned amount (net)"),
    "returned_gross": gettext_lazy("Returned amount (gross)"),
    "shipped_quantity": gettext_lazy("Quantity shipped"),
    "returned_quantity": gettext_lazy("Quantity returned"),
    "return_rate_value": gettext_lazy("Return rate (value)"),
    "return_rate_quantity": gettext_lazy("Return rate (quantity)"),
    "completion_rate": gettext_lazy("Completion rate"),
    "avg_days_to_complete": gettext_lazy("Average days to complete"),
    "avg_order_value": gettext_lazy("Average order value"),
    "outstanding": gettext_lazy("Outstanding receivables"),
    "period": gettext_lazy("Period start"), "key": gettext_lazy("ID"),
    "code": gettext_lazy("Code"), "name": gettext_lazy("Name"),
    "reasons": gettext_lazy("Return reasons"),
    "measure": gettext_lazy("Measure"), "value": gettext_lazy("Value"),
}
# Excel number formats by measure: rates are fractions shown as percentages.
RATE_FORMAT, MONEY_FORMAT, QUANTITY_FORMAT, COUNT_FORMAT = ("0.00%", "#,##0.00",
                                                            "#,##0.###", "#,##0")
NUMBER_FORMATS = {
    **dict.fromkeys(("return_rate_value", "return_rate_quantity", "completion_rate"),
                    RATE_FORMAT),
    **dict.fromkeys(("ordered_amount", "sales_net", "sales_gross", "invoiced", "paid",
                     "returned_net", "returned_gross", "avg_order_value", "outstanding"),
                    MONEY_FORMAT),
    **dict.fromkeys(("shipped_quantity", "returned_quantity"), QUANTITY_FORMAT),
    **dict.fromkeys(("orders_entered", "orders_approved", "orders_by_status"), COUNT_FORMAT),
    "avg_days_to_complete": "0.00",
}


def _in_words(in_words: bool | None = None) -> bool:
    """Words unless told otherwise: ``None`` means "as the API does" (words in Chinese)."""
    return (get_language() or "").startswith("zh") if in_words is None else in_words


def label(key: str, in_words: bool | None = None) -> str:
    """A filter's, measure's or column's name in the file (``orders_by_status.pending`` too)."""
    if not _in_words(in_words):
        return key
    name, _dot, status = key.partition(".")
    text = str(LABELS.get(name, name))
    if status in OrderStatus.values:
        word = OrderStatus(status).label
        return f"{text}（{word}）" if _in_words(None) else f"{text} ({word})"  # zh: full width
    return text


# In words, a filter names what it filters by (its code and name), not its row id.
FILTER_WORDS = {"customer_id": gettext_lazy("Customer"), "product_id": gettext_lazy("Product"),
                "warehouse_id": gettext_lazy("Warehouse"),
                "salesperson_id": gettext_lazy("Salesperson")}


def _filter_value(name: str, value: Any) -> str:
    if name == "salesperson_id":
        found = get_user_model().objects.filter(pk=value).values_list("username", flat=True)
        return next(iter(found), str(value))
    master: dict[str, tuple[QuerySet[Any], str]] = {
        "customer_id": (Customer.objects.all(), "code"),
        "product_id": (Product.objects.all(), "sku"),
        "warehouse_id": (Warehouse.objects.all(), "code")}
    rows, code = master[name]
    row: tuple[str, str] | None = rows.filter(pk=value).values_list(code, "name").first()
    return f"{row[0]} {row[1]}" if row else str(value)


def filter_lines(filters: Filters, in_words: bool | None = None) -> list[tuple[str, str]]:
    if not _in_words(in_words):
        return [(name, "" if value is None else str(value))
                for name, value in vars(filters).items()]
    return [(str(FILTER_WORDS[name]) if name in FILTER_WORDS else label(name, True),
             "" if value is None else _filter_value(name, value) if name in FILTER_WORDS
             else str(value))
            for name, value in vars(filters).items()]


def render(fmt: str, title: str, filters: Filters, headers: Sequence[str],
           rows: Sequence[Sequence[Any]], *, in_words: bool | None = None,
           heading: str | None = None) -> HttpResponse:
    """The table as a file named ``title``; ``heading`` (default: the title) is its first row.
    ``in_words``: see ``_in_words``."""
    filename = f"{title}.{fmt}"
    heading = heading or title
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([heading])
        for name, value in filter_lines(filters, in_words):
            writer.writerow([name, value])
        writer.writerow([])
        writer.writerow([label(header, in_words) for header in headers])
        writer.writerows(_labelled(headers, rows, in_words))
        # BOM: Excel on Chinese Windows opens UTF-8 CSV correctly only with it.
        body = ("\ufeff" + text.getvalue()).encode()
    else:
        workbook = Workbook()
        sheet = workbook.active
        if not isinstance(sheet, Worksheet):  # a new workbook's one sheet, never None
            raise TypeError("openpyxl made a workbook without a worksheet")
        sheet.title = _sheet_title(heading)
        sheet.append([_excel(heading)])
        sheet["A1"].font = Font(bold=True, size=13)
        for name, value in filter_lines(filters, in_words):
            sheet.append([_excel(name), _excel(value)])
        sheet.append([])
        sheet.append([_excel(label(header, in_words)) for header in headers])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for keys, row in zip(_format_keys(headers, rows), _labelled(headers, rows, in_words),
                             strict=True):
            sheet.append([_excel(v) for v in row])
            for cell, key in zip(sheet[sheet.max_row], keys, strict=False):
                number_format = NUMBER_FORMATS.get(key.partition(".")[0])
                if number_format and isinstance(cell.value, int | float):
                    cell.number_format = number_format
        buffer = io.BytesIO()
        workbook.save(buffer)
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _is_summary(headers: Sequence[str]) -> bool:
    return list(headers) == [MEASURE, VALUE]


def _format_keys(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[list[str]]:
    """Per cell, the measure whose number format it takes: the row's (summary) or column's."""
    if _is_summary(headers):
        return [["", str(row[0])] for row in rows]
    return [list(headers) for _row in rows]


def _sheet_title(text: str) -> str:
    """Excel refuses sheet names over 31 characters or with any of []:*?/\\."""
    return "".join(" " if char in "[]:*?/\\" else char for char in text)[:31] or "Sheet"


def _labelled(headers: Sequence[str], rows: Sequence[Sequence[Any]],
              in_words: bool | None = None) -> list[list[Any]]:
    if _is_summary(headers):
        return [[label(str(row[0]), in_words), *row[1:]] for row in rows]
    return [list(row) for row in rows]


def _excel(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # Excel has no decimal type; values are already rounded
    if isinstance(value, str):
        # Control characters (a customer named so through the API) cannot be stored in xlsx.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, date | int | float) or value is None:
        return value
    return _excel(str(value))


MEASURE, VALUE = "measure", "value"  # the summary's columns (keys, labelled on output)


def _status_word(status: str, in_words: bool | None = None) -> str:
    if _in_words(in_words) and status in OrderStatus.values:
        return str(OrderStatus(status).label)
    return status


def summary_table(figures: dict[str, Any], in_words: bool | None = None
                  ) -> tuple[list[str], list[list[Any]]]:
    """Measure and value per row (labelled in ``render``; ``in_words`` only for the same
    signature as ``records_table``)."""
    rows = []
    for name, value in figures.items():
        if isinstance(value, dict):
            rows += [[f"{name}.{key}", inner] for key, inner in value.items()]
        else:
            rows.append([name, value])
    return [MEASURE, VALUE], rows


def records_table(records: list[dict[str, Any]], in_words: bool | None = None
                  ) -> tuple[list[str], list[list[Any]]]:
    if not records:
        return [], []
    headers = [key for key, value in records[0].items() if not isinstance(value, list | dict)]
    extra = [key for key, value in records[0].items() if isinstance(value, list | dict)]
    rows = []
    for record in records:
        row = [record[key] for key in headers]
        for key in extra:
            value = record[key]
            if isinstance(value, list):
                row.append("; ".join(f"{item.get('label', '')} {item.get('quantity', '')}"
                                     for item in value))
            else:
                row.append("; ".join(f"{_status_word(k, in_words)}={v}"
                                     for k, v in value.items()))
        rows.append(row)
    return headers + extra, rows
