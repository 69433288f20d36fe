"""Human document numbers (``SO20261201000123``) and master codes (``CUS000001``), unique
and safe under concurrency, with no row that every transaction must lock.

On PostgreSQL and MariaDB each series is a database sequence: ``nextval`` never waits for
another transaction and is never rolled back, so a rolled-back document leaves a **gap** in
its series. Gaps are allowed on purpose: a gapless series needs one locked counter row per
series, which every concurrent order would queue behind until its commit (issue #9 measured
that queue). These numbers identify documents; they are not the tax authority's invoice
numbers, which the tax system hands out itself. The running number does not restart each
day, so the date part says when the document was made and the running part stays unique.

SQLite allows one writer at a time anyway, so there the counter is a plain row
(``NumberSeries``), taken inside the caller's transaction: gapless, and nothing to wait for."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction
from django.db.models import F

from .models import NumberSeries

SERIES = ("SO", "OB", "RT", "INV", "CN", "PAY", "CUS")
DOCUMENT_WIDTH = 6


def _sequence_name(prefix: str) -> str:
    if prefix not in SERIES:  # the name goes into SQL as an identifier on MariaDB
        raise ValueError(f"Unknown number series {prefix!r}; add it to SERIES and migrate.")
    return f"wms_number_{prefix.lower()}"


def uses_sequences() -> bool:
    return connection.vendor in {"postgresql", "mysql"}


def next_value(prefix: str) -> int:
    """The next running number of a series, inside the caller's transaction."""
    name = _sequence_name(prefix)
    if uses_sequences():
        sql = "SELECT nextval(%s)" if connection.vendor == "postgresql" else \
            f"SELECT NEXTVAL({name})"
        with connection.cursor() as cursor:
            cursor.execute(sql, [name] if connection.vendor == "postgresql" else [])
            return int(cursor.fetchone()[0])
    with transaction.atomic():
        if not NumberSeries.objects.filter(key=prefix).update(last_value=F("last_value") + 1):
            NumberSeries.objects.create(key=prefix, last_value=1)
        return NumberSeries.objects.get(key=prefix).last_value


def last_value(prefix: str) -> int:
    """The highest number handed out so far (an estimate while others take numbers)."""
    name = _sequence_name(prefix)
    if uses_sequences():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 "
                               f"END FROM {name}")
            else:  # MariaDB's sequence table: next_not_cached_value is the next value
                cursor.execute(f"SELECT next_not_cached_value - 1 FROM {name}")
            return int(cursor.fetchone()[0])
    row = NumberSeries.objects.filter(key=prefix).values_list("last_value", flat=True).first()
    return row or 0


def skip_past(prefix: str, value: int) -> None:
    """Make sure every later number is above ``value`` (bulk loaders that numbered their own
    documents, e.g. the demo history)."""
    name = _sequence_name(prefix)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, GREATEST(%s, (SELECT last_value FROM "
                           f"{name})))", [name, value])
    elif connection.vendor == "mysql":
        with connection.cursor() as cursor:  # SETVAL never moves a MariaDB sequence back
            cursor.execute(f"SELECT SETVAL({name}, %s)", [value])
    else:
        series, _ = NumberSeries.objects.get_or_create(key=prefix)
        if series.last_value < value:
            series.last_value = value
            series.save(update_fields=["last_value"])


def format_document_number(prefix: str, on: date, value: int) -> str:
    stamp = f"{on.year:04d}{on.month:02d}{on.day:02d}"  # %Y drops the zeros before year 1000
    return f"{prefix}{stamp}{value:0{DOCUMENT_WIDTH}d}"


def master_code(prefix: str, width: int = 6) -> str:
    """``CUS000001``-style codes for master data."""
    return f"{prefix}{next_value(prefix):0{width}d}"


def document_number(prefix: str, on: date) -> str:
    """``SO20261125000123``: series, the document's date, the series' running number."""
    return format_document_number(prefix, on, next_value(prefix))
