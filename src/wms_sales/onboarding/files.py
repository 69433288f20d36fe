"""Reading and writing the tables of an onboarding file: CSV or Excel (.xlsx).

Every cell is read as stripped text, so CSV and Excel rows go through the same parsers; the
parsers turn text into Decimal/int/bool, never through float."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils.exceptions import InvalidFileException

from wms_sales.common.errors import DomainError

from .errors import OnboardingError

FORMATS = ("csv", "xlsx")
MAX_ROWS = 200_000  # a bound on what one upload may make us hold in memory
# A leading one of these makes Excel evaluate the cell as a formula (CSV injection); exports
# put an apostrophe in front, and imports take it off again.
FORMULA_START = ("=", "+", "-", "@")
# Excel keeps 15 significant digits; longer decimals go out as text so none is lost.
EXCEL_DIGITS = 15


class FileProblem(DomainError):
    """The file as a whole cannot be read (format, encoding, no header …)."""

    status = 400
    code = OnboardingError.BAD_IMPORT_FILE


@dataclass(frozen=True)
class Table:
    headers: list[str]
    # (row number as the user sees it in the file, cells); blank rows are left out.
    rows: list[tuple[int, list[str]]]


def file_format(filename: str) -> str:
    """``csv`` or ``xlsx`` from the name's extension."""
    suffix = PurePath(filename).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise FileProblem(_("Unsupported file type “%(ext)s”; use .csv or .xlsx.")
                          % {"ext": suffix or filename})
    return suffix


def read_table(data: bytes, filename: str) -> Table:
    fmt = file_format(filename)
    raw_rows = _csv_rows(data) if fmt == "csv" else _xlsx_rows(data)
    rows: list[tuple[int, list[str]]] = []
    headers: list[str] | None = None
    for number, values in enumerate(raw_rows, start=1):
        cells = [_unescape(_cell_text(value)) for value in values]
        if headers is None:
            if not any(cells):
                raise FileProblem(_("The first row must hold the column names."))
            headers = cells
        elif any(cells):
            if len(rows) >= MAX_ROWS:
                raise FileProblem(_("The file has more than %(max)s rows; split it.")
                                  % {"max": MAX_ROWS})
            rows.append((number, cells))
    if headers is None:
        raise FileProblem(_("The file is empty."))
    if not rows:
        raise FileProblem(_("The file has no data rows."))
    return Table(headers=headers, rows=rows)


def _csv_rows(data: bytes) -> Iterable[list[str]]:
    # Excel on a Chinese Windows saves "CSV" in the ANSI code page (GBK, a subset of GB18030).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileProblem(_("The file is neither UTF-8 nor GB18030 text."))
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileProblem(_("The CSV file cannot be read: %(reason)s") % {"reason": exc}) from exc


def _xlsx_rows(data: bytes) -> Iterable[Sequence[Any]]:
    try:
        # data_only: the values Excel computed, not the formulas behind them.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise FileProblem(_("This is not a valid .xlsx file.")) from exc
    try:
        yield from workbook.worksheets[0].iter_rows(values_only=True)
    finally:
        workbook.close()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 10**EXCEL_DIGITS:
            return str(int(value))
        return format(value, f".{EXCEL_DIGITS}g")  # what Excel shows, not binary noise
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


def _unescape(text: str) -> str:
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_START:
        return text[1:]
    return text


# --- writing ------------------------------------------------------------------------------

def write_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, bom: bool) -> str:
    """CSV text; ``bom`` makes Excel recognise UTF-8 (leave it off when piping)."""
    out = io.StringIO(newline="")
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows([_csv_cell(value) for value in row] for row in rows)
    return out.getvalue()


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return str(value)


def write_xlsx(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(sheet, header) for header in headers])
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _xlsx_cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, Decimal) and len(value.as_tuple().digits) <= EXCEL_DIGITS:
        return value
    if value is None or isinstance(value, bool | int):
        return value
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", str(value)))
    cell.data_type = "s"  # text stays text: never a formula or an error code
    return cell
