"""Keeping the daily aggregates (DESIGN.md §5) exact without a row every posting must lock.

A posting's transaction only *inserts* its deltas (``record``): inserts of concurrent
transactions never wait for each other. ``fold`` moves committed deltas into the facts with
one upsert per batch (rows in key order, so two folders never wait crosswise); every report
folds before it reads, and ``check`` folds before it compares. Bulk loaders (history,
rebuild) upsert the facts directly with ``apply``."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import Model

from wms_sales.common.db import (
    column_field,
    column_type,
    insert_rows,
    insert_sql,
    value_preparer,
)

from . import cache
from .models import (
    MEASURES,
    Dimension,
    ReturnReasonFact,
    SalesFact,
    SalesFactDelta,
    SalesFactMonth,
)

FactKey = tuple[date, str, int]
Deltas = dict[FactKey, dict[str, Decimal | int]]
BATCH = 500
FOLD_BATCH = 5000
# Up to this many rows an upsert on PostgreSQL is one statement with an array per column (a
# document's return reasons, a fold's batch); beyond it (history loads, rebuilds) the rows
# are COPYed into a scratch table first.
ARRAY_ROWS = 10_000
T = TypeVar("T")


def new_deltas() -> Deltas:
    return defaultdict(lambda: defaultdict(int))


def spread(deltas: Deltas, day: date, keys: Mapping[str, int | None],
           values: Mapping[str, Decimal | int]) -> None:
    """Add ``values`` on ``day`` to the row of every dimension in ``keys`` (plus ``all``)."""
    for dimension, key in {Dimension.ALL: 0, **keys}.items():
        row = deltas[(day, dimension, key or 0)]
        for name, value in values.items():
            row[name] += value


def spread_lines(deltas: Deltas, day: date, keys: Mapping[str, int | None],
                 lines: Iterable[tuple[int, int, Mapping[str, Decimal | int]]]) -> None:
    """``spread`` of a document's lines, each ``(product, warehouse, values)``, with the
    document's own ``keys`` (customer, salesperson): those rows and ``all`` get the sum of
    the lines once instead of an addition per line."""
    total: dict[str, Decimal | int] = defaultdict(int)
    for product_id, warehouse_id, values in lines:
        product = deltas[(day, Dimension.PRODUCT, product_id)]
        warehouse = deltas[(day, Dimension.WAREHOUSE, warehouse_id)]
        for name, value in values.items():
            product[name] += value
            warehouse[name] += value
            total[name] += value
    spread(deltas, day, keys, total)


def _upsert(model: type[Model], key_columns: list[str], columns: list[str],
            rows: list[list]) -> None:
    """Add ``rows`` (key values, then column values; one row per key) to ``model``'s rows."""
    table = model._meta.db_table
    if connection.vendor == "postgresql":
        if len(rows) > ARRAY_ROWS:
            _upsert_by_copy(table, key_columns, columns, rows)
        else:
            _upsert_by_arrays(model, key_columns, columns, rows)
        return
    quote = connection.ops.quote_name
    if connection.vendor == "mysql":
        updates = ", ".join(f"{quote(c)} = {quote(c)} + VALUES({quote(c)})" for c in columns)
        conflict = f"ON DUPLICATE KEY UPDATE {updates}"
    else:
        conflict = _adding_on_conflict(table, key_columns, columns)
    for start in range(0, len(rows), BATCH):
        chunk = rows[start:start + BATCH]
        with connection.cursor() as cursor:
            cursor.execute(insert_sql(table, key_columns + columns, len(chunk),
                                      on_conflict=conflict),
                           [v for row in chunk for v in row])


def _adding_on_conflict(table: str, key_columns: list[str], columns: list[str]) -> str:
    """``ON CONFLICT`` that adds the new row's columns to the stored row's (PostgreSQL,
    SQLite)."""
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(c)} = {quote(table)}.{quote(c)} + excluded.{quote(c)}"
                        for c in columns)
    return (f"ON CONFLICT ({', '.join(quote(c) for c in key_columns)}) "
            f"DO UPDATE SET {updates}")


def _upsert_by_arrays(model: type[Model], key_columns: list[str], columns: list[str],
                      rows: list[list]) -> None:
    """One statement with an array per column, whatever the number of rows: one statement
    shape to prepare, and no scratch table (whose create and drop write the catalogs)."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    fields = [column_field(model, name) for name in key_columns + columns]
    # Each value prepared for its column: an array takes one Python type (the int 0 of a
    # measure no row of a decimal column changed becomes a Decimal).
    preparers = [value_preparer(field) for field in fields]
    arrays = [[prepare(value) for value in values]
              for prepare, values in zip(preparers, zip(*rows, strict=True), strict=True)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({', '.join(quote(field.column) for field in fields)}) "
            f"SELECT * FROM unnest({', '.join(f'%s::{column_type(f)}[]' for f in fields)}) "
            f"{_adding_on_conflict(table, key_columns, columns)}", arrays)


def _upsert_by_copy(table: str, key_columns: list[str], columns: list[str],
                    rows: list[list]) -> None:
    """Bulk path (history loads, rebuilds beyond ``ARRAY_ROWS``): COPY into a scratch table,
    then one upsert."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in key_columns + columns)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE upsert_rows ON COMMIT DROP AS "
                       f"SELECT {names} FROM {quote(table)} WITH NO DATA")
        with cursor.cursor.copy(f"COPY upsert_rows ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {quote(table)} ({names}) SELECT {names} FROM upsert_rows "
                       f"{_adding_on_conflict(table, key_columns, columns)}")
        cursor.execute("DROP TABLE upsert_rows")


def _changed(deltas: Deltas) -> dict[FactKey, dict[str, Decimal | int]]:
    return {key: row for key, row in deltas.items() if any(row.values())}


def _upsert_facts(changed: Mapping[FactKey, Mapping[str, Decimal | int]]) -> None:
    monthly: Deltas = new_deltas()
    for (day, dimension, key), row in changed.items():
        month = monthly[(day.replace(day=1), dimension, key)]
        for name, value in row.items():
            month[name] += value
    for model, period, deltas_at in ((SalesFact, "day", changed),
                                     (SalesFactMonth, "month", monthly)):
        rows = [[*at, *(deltas_at[at].get(m, 0) for m in MEASURES)] for at in sorted(deltas_at)]
        _upsert(model, [period, "dimension", "key"], list(MEASURES), rows)


def record(deltas: Deltas) -> None:
    """Write a posting's deltas; must run inside the transaction of the change.

    Only the measures some row changes are columns of the insert: an event touches two to
    four of the eighteen, and the others are 0 by the table's default (a 1,000-line
    document's rows would otherwise prepare and send some 15,000 zeros)."""
    changed = _changed(deltas)
    if not changed:
        return
    used = {name for values in changed.values() for name, value in values.items() if value}
    measures = [name for name in MEASURES if name in used]
    fields = [column_field(SalesFactDelta, name) for name in ("day", "dimension", "key",
                                                               *measures)]
    day, dimension, key, *preparers = [value_preparer(field) for field in fields]
    # The few days and dimensions of the rows, prepared once each (a dimension is a
    # ``TextChoices`` member, not a plain ``str``: Django's whole chain per row otherwise).
    days = {value: day(value) for value in {at[0] for at in changed}}
    dimensions = {value: dimension(value) for value in {at[1] for at in changed}}
    # a row without a measure another row has writes that column's 0, prepared once
    measured = [(name, prepare, prepare(0))
                for name, prepare in zip(measures, preparers, strict=True)]
    insert_rows(SalesFactDelta._meta.db_table, [field.column for field in fields],
                [[days[at[0]], dimensions[at[1]], key(at[2]),
                  *[prepare(values[name]) if name in values else zero
                    for name, prepare, zero in measured]]
                 for at, values in sorted(changed.items())])
    cache.invalidate()


def apply(deltas: Deltas) -> None:
    """Add the deltas to the facts at once (bulk loaders, which run alone)."""
    changed = _changed(deltas)
    if changed:
        _upsert_facts(changed)
        cache.invalidate()


def fold(*, wait: bool = False) -> int:
    """Move committed deltas into the facts; returns how many were folded.

    Deltas another folder is moving are skipped (``SKIP LOCKED``), so readers never queue
    behind one another; ``wait=True`` waits for them instead (``check``: exact at the end)."""
    folded = 0
    skip = not wait and connection.features.has_select_for_update_skip_locked
    while True:
        with transaction.atomic():
            pending = list(SalesFactDelta.objects.select_for_update(skip_locked=skip)
                           .order_by("id").values("id", "day", "dimension", "key", *MEASURES)
                           [:FOLD_BATCH])
            if not pending:
                return folded
            deltas = new_deltas()
            for row in pending:
                spread_row = deltas[(row["day"], row["dimension"], row["key"])]
                for name in MEASURES:
                    spread_row[name] += row[name]
            SalesFactDelta.objects.filter(id__in=[row["id"] for row in pending]).delete()
            _upsert_facts(_changed(deltas))
        folded += len(pending)
        if len(pending) < FOLD_BATCH:
            return folded


def folded(func: Callable[..., T]) -> Callable[..., T]:
    """For readers of the facts: fold what is pending first, so the figures are exact."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs) -> T:
        fold()
        return func(*args, **kwargs)

    return wrapper


def apply_reasons(deltas: Iterable[tuple[date, int, str, Decimal, Decimal]]) -> None:
    merged: dict[tuple[date, int, str], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0)])
    for day, product_id, reason, quantity, gross in deltas:
        merged[(day, product_id, reason)][0] += quantity
        merged[(day, product_id, reason)][1] += gross
    rows = [[*key, *merged[key]] for key in sorted(merged)]
    if rows:
        _upsert(ReturnReasonFact, ["day", "product_id", "reason"],
                ["returned_quantity", "returned_gross"], rows)
