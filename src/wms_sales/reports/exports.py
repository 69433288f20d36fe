"""Every report as CSV or Excel, with the filters written above the table."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .rebuild import Filters

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filter_lines(filters: Filters) -> list[tuple[str, str]]:
    return [(name, "" if value is None else str(value))
            for name, value in vars(filters).items()]


def render(fmt: str, title: str, filters: Filters, headers: Sequence[str],
           rows: Sequence[Sequence[Any]]) -> HttpResponse:
    filename = f"{title}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([title])
        for name, value in filter_lines(filters):
            writer.writerow([name, value])
        writer.writerow([])
        writer.writerow(headers)
        writer.writerows(rows)
        # BOM: Excel on Chinese Windows opens UTF-8 CSV correctly only with it.
        body = ("\ufeff" + buffer.getvalue()).encode()
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.title = title[:31]
        sheet.append([title])
        sheet["A1"].font = Font(bold=True, size=13)
        for name, value in filter_lines(filters):
            sheet.append([name, value])
        sheet.append([])
        sheet.append(list(headers))
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([_excel(v) for v in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        body = buffer.getvalue()
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _excel(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)  # Excel has no decimal type; values are already rounded
    if isinstance(value, date | int | float | str) or value is None:
        return value
    return str(value)


def summary_table(figures: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    rows = []
    for name, value in figures.items():
        if isinstance(value, dict):
            rows += [[f"{name}.{key}", inner] for key, inner in value.items()]
        else:
            rows.append([name, value])
    return [_("measure"), _("value")], rows


def records_table(records: list[dict[str, Any]]) -> tuple[list[str], list[list[Any]]]:
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
                row.append("; ".join(f"{k}={v}" for k, v in value.items()))
        rows.append(row)
    return headers + extra, rows
