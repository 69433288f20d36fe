"""Adding deltas to the aggregates with one upsert per batch: concurrent postings add to
the same row without losing an increment, and rows are touched in key order so two
transactions never wait on each other crosswise."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal

from django.db import connection

from . import cache
from .models import MEASURES, Dimension, ReturnReasonFact, SalesFact, SalesFactMonth

FactKey = tuple[date, str, int]
Deltas = dict[FactKey, dict[str, Decimal | int]]
BATCH = 500


def new_deltas() -> Deltas:
    return defaultdict(lambda: defaultdict(int))


def spread(deltas: Deltas, day: date, keys: Mapping[str, int | None],
           values: Mapping[str, Decimal | int]) -> None:
    """Add ``values`` on ``day`` to the row of every dimension in ``keys`` (plus ``all``)."""
    for dimension, key in {Dimension.ALL: 0, **keys}.items():
        row = deltas[(day, dimension, key or 0)]
        for name, value in values.items():
            row[name] += value


def _upsert(table: str, key_columns: list[str], columns: list[str],
            rows: list[list]) -> None:
    if connection.vendor == "postgresql" and len(rows) > BATCH:
        _upsert_by_copy(table, key_columns, columns, rows)
        return
    placeholders = "(" + ", ".join(["%s"] * (len(key_columns) + len(columns))) + ")"
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in key_columns + columns)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        values = ", ".join([placeholders] * len(chunk))
        if connection.vendor == "mysql":
            updates = ", ".join(f"{quote(c)} = {quote(c)} + VALUES({quote(c)})" for c in columns)
            conflict = f"ON DUPLICATE KEY UPDATE {updates}"
        else:
            updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}"
                                for c in columns)
            conflict = (f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) "
                        f"DO UPDATE SET {updates}")
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {quote(table)} ({names}) VALUES {values} {conflict}",
                           [v for row in chunk for v in row])


def _upsert_by_copy(table: str, key_columns: list[str], columns: list[str],
                    rows: list[list]) -> None:
    """Bulk path (history loads, rebuilds): COPY into a scratch table, then one upsert."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in key_columns + columns)
    updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}"
                        for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE upsert_rows ON COMMIT DROP AS "
                       f"SELECT {names} FROM {quote(table)} WITH NO DATA")
        with cursor.cursor.copy(f"COPY upsert_rows ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM upsert_rows "
                       f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) "
                       f"DO UPDATE SET {updates}")
        cursor.execute("DROP TABLE upsert_rows")


def apply(deltas: Deltas) -> None:
    """Add the deltas to SalesFact; must run inside the transaction of the change."""
    changed = {key: row for key, row in deltas.items() if any(row.values())}
    if not changed:
        return
    monthly: Deltas = new_deltas()
    for (day, dimension, key), row in changed.items():
        month = monthly[(day.replace(day=1), dimension, key)]
        for name, value in row.items():
            month[name] += value
    for model, period, deltas_at in ((SalesFact, "day", changed),
                                     (SalesFactMonth, "month", monthly)):
        rows = [[*at, *(deltas_at[at].get(m, 0) for m in MEASURES)] for at in sorted(deltas_at)]
        _upsert(model._meta.db_table, [period, "dimension", "key"], list(MEASURES), rows)
    cache.invalidate()


def apply_reasons(deltas: Iterable[tuple[date, int, str, Decimal, Decimal]]) -> None:
    merged: dict[tuple[date, int, str], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)])
    for day, product_id, reason, quantity, gross in deltas:
        merged[(day, product_id, reason)][0] += quantity
        merged[(day, product_id, reason)][1] += gross
    rows = [[*key, *merged[key]] for key in sorted(merged)]
    if rows:
        _upsert(ReturnReasonFact._meta.db_table, ["day", "product_id", "reason"],
                ["returned_quantity", "returned_gross"], rows)
