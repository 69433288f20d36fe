"""Transactions that survive the database's own concurrency failures."""

from __future__ import annotations

import functools
import random
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any, ParamSpec, TypeVar

from django.db import (
    DatabaseError,
    NotSupportedError,
    connection,
    connections,
    models,
    transaction,
)
from django.db.models import Field, Model, signals

from .errors import Busy

T = TypeVar("T")
M = TypeVar("M", bound=Model)
P = ParamSpec("P")
MAX_ATTEMPTS = 6
BACKOFF_BASE = 0.01  # seconds; doubled per attempt, jittered
BACKOFF_CAP = 0.3

# PostgreSQL SQLSTATEs and MySQL/MariaDB error numbers meaning "run the transaction again".
_RETRYABLE_SQLSTATES = {"40001", "40P01"}
_RETRYABLE_MYSQL_CODES = {1205, 1213}


def is_retryable(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc
    if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
        return True
    args = getattr(cause, "args", ())
    if args and args[0] in _RETRYABLE_MYSQL_CODES:
        return True
    # SQLite: a writer that could not get the lock within the busy timeout.
    return "database is locked" in str(cause)


# Set by a caller whose transaction is undone whole when the call fails (see
# ``rolled_back_together``): the next service call needs no savepoint of its own.
_fails_with_caller: ContextVar[bool] = ContextVar("fails_with_caller", default=False)


@contextmanager
def rolled_back_together() -> Iterator[None]:
    """Within the caller's transaction, the next ``retry_transaction`` call runs without a
    savepoint (two statements fewer): the caller promises not to catch its failure but to let
    the whole transaction roll back, so undoing the call's writes alone buys nothing. Calls
    nested inside that one keep their savepoints."""
    token = _fails_with_caller.set(True)
    try:
        yield
    finally:
        _fails_with_caller.reset(token)


def retry_transaction(func: Callable[P, T]) -> Callable[P, T]:
    """Run ``func`` in its own transaction, again (bounded) after a deadlock or serialization
    failure, after a jittered exponential backoff; when every attempt failed that way the
    caller gets ``Busy`` (503), never the database error. Inside an outer transaction it runs
    in a savepoint (only the outermost level can retry), so a failed call leaves nothing
    behind even when the caller goes on."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        if connection.in_atomic_block:
            if _fails_with_caller.get():
                token = _fails_with_caller.set(False)  # for this call only, not nested ones
                try:
                    # No savepoint: a failure marks the caller's transaction for rollback.
                    with transaction.atomic(savepoint=False):
                        return func(*args, **kwargs)
                finally:
                    _fails_with_caller.reset(token)
            with transaction.atomic():  # a savepoint: a failure undoes this call's writes only
                return func(*args, **kwargs)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                with transaction.atomic():
                    return func(*args, **kwargs)
            except DatabaseError as exc:
                if not is_retryable(exc):
                    raise
                if attempt == MAX_ATTEMPTS:
                    raise Busy() from exc
                # Full jitter: the retriers spread out instead of colliding again.
                time.sleep(random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)))
        raise AssertionError("unreachable")

    return wrapper


BULK_ROWS = 1000


def column_type(field: Field[Any, Any]) -> str:
    """The SQL type of a field's column."""
    return _column_type(field, connection.vendor)


@functools.cache
def _column_type(field: Field[Any, Any], vendor: str) -> str:
    sql_type = field.db_type(connection)
    if sql_type is None:  # only fields without a column of their own (none are written here)
        raise TypeError(f"{field} has no column type")
    return sql_type


def _array_type(field: Field[Any, Any]) -> str:
    return _array_type_on(field, connection.vendor)


# Used on PostgreSQL only; Django builds the type string anew on each call (a key's through
# a new field object).
@functools.cache
def _array_type_on(field: Field[Any, Any], vendor: str) -> str:
    # Field.rel_db_type exists on every Django field; django-stubs declares it on a mixin only.
    sql_type = (field.rel_db_type(connection)  # type: ignore[attr-defined]
                if field.primary_key else column_type(field))
    return f"{sql_type}[]"


# Fields whose values of one exact Python type Django's preparation (``get_db_prep_save``)
# hands to every driver unchanged: a call chain of about eight methods per value that a
# 1,000-line document pays tens of thousands of times. Exact classes only: a subclass may
# prepare its values differently.
_PASSED_AS_IS: dict[type[Field[Any, Any]], type] = {
    models.DecimalField: Decimal,
    models.CharField: str, models.TextField: str,
    models.IntegerField: int, models.BigIntegerField: int, models.SmallIntegerField: int,
    models.PositiveIntegerField: int, models.PositiveBigIntegerField: int,
    models.PositiveSmallIntegerField: int, models.BooleanField: bool,
}
# Fields whose preparation depends on the value alone (and the connection): a document's
# rows mostly carry the same few dates and times, prepared once per ``value_preparer``.
_PREPARED_ONCE_PER_VALUE: dict[type[Field[Any, Any]], type] = {
    models.DateField: date, models.DateTimeField: datetime,
}


def value_preparer(field: Field[Any, Any], *, per_call: bool = True) -> Callable[[Any], Any]:
    """``field.get_db_prep_save(value, connection)``, with the values Django passes on
    unchanged (None, and ints, text or finite decimals of the field's own type) passed on
    without the call. ``per_call``: the preparer serves one statement, so it may remember
    each date or time it prepared (a long-lived one must not: it would keep them all)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    plain = _PASSED_AS_IS.get(type(target))
    prepare = field.get_db_prep_save
    if isinstance(target, models.AutoField | models.BigAutoField | models.SmallAutoField):
        # ids (primary and foreign keys): MySQL's backend refuses 0, every other int passes
        return lambda value: value if value is None or (type(value) is int and value) \
            else prepare(value, connection)
    if plain is None:
        once = _PREPARED_ONCE_PER_VALUE.get(type(target)) if per_call else None
        if once is None:
            return lambda value: prepare(value, connection)
        prepared: dict[Any, Any] = {}

        def prepare_once(value: Any) -> Any:
            if type(value) is not once:
                return prepare(value, connection)
            if value not in prepared:
                prepared[value] = prepare(value, connection)
            return prepared[value]

        return prepare_once
    if plain is Decimal:
        def prepare_decimal(value: Any) -> Any:
            kind = type(value)
            if value is None or (kind is Decimal and value.is_finite()):
                return value  # Django refuses NaN and infinities: those take its path
            return Decimal(value) if kind is int else prepare(value, connection)

        return prepare_decimal
    return lambda value: value if value is None or type(value) is plain \
        else prepare(value, connection)


def value_reader(field: Field[Any, Any]) -> Callable[[Model], Any]:
    """The value of ``field`` an insert writes: ``pre_save(obj, add=True)``, which for a field
    without a ``pre_save`` of its own (no ``auto_now``) is just the attribute."""
    if type(field).pre_save is Field.pre_save:
        return attrgetter(field.attname)
    return lambda obj: field.pre_save(obj, True)


def column_field(model: type[Model], name: str) -> Field[Any, Any]:
    """``model``'s field ``name``, which must have a column of its own."""
    field = model._meta.get_field(name)
    if not isinstance(field, Field):  # a reverse relation or generic foreign key: no column
        raise TypeError(f"{model._meta.label}.{name} is not a column")
    return field


def bulk_update(objects: Iterable[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of many rows of one model in one statement per 1,000 rows.

    Django's ``QuerySet.bulk_update`` builds a ``CASE WHEN id = … THEN …`` expression per
    row and field in Python, which costs seconds for a 1,000-line document. This joins the
    table to the new values instead: on PostgreSQL one array parameter per column
    (``unnest``), elsewhere a list of rows (SQLite ``UPDATE … FROM (VALUES …)``, MariaDB
    ``UPDATE … JOIN (SELECT … UNION ALL …)``)."""
    objects = list(objects)
    if not objects:
        return
    meta = type(objects[0])._meta
    pk = meta.pk
    columns = [column_field(type(objects[0]), name) for name in fields]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    if connection.vendor == "postgresql":
        arrays = [[prepare(read(obj)) for obj in objects]
                  for prepare, read in ((value_preparer(field), attrgetter(field.attname))
                                        for field in [pk, *columns])]
        # A column with one value for every row (an update time) is one scalar parameter:
        # the driver would format the same value once per row.
        setters: list[str] = []
        params: list[Any] = []
        varying: list[tuple[Field[Any, Any], list[Any]]] = [(pk, arrays[0])]
        for field, values in zip(columns, arrays[1:], strict=True):
            if _all_equal(values):
                setters.append(f"{quote(field.column)} = %s::{column_type(field)}")
                params.append(values[0])
            else:
                setters.append(f"{quote(field.column)} = v.v{len(varying)}")
                varying.append((field, values))
        unnest = ", ".join(f"%s::{_array_type(field)}" for field, _ in varying)
        names = ", ".join(["pk", *(f"v{i}" for i in range(1, len(varying)))])
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {', '.join(setters)} FROM unnest({unnest}) "
                           f"AS v({names}) WHERE {table}.{quote(pk.column)} = v.pk",
                           [*params, *(values for _, values in varying)])
        return
    getters = [(value_preparer(field), attrgetter(field.attname)) for field in [pk, *columns]]
    for start in range(0, len(objects), BULK_ROWS):
        chunk = objects[start:start + BULK_ROWS]
        params = [prepare(read(obj)) for obj in chunk for prepare, read in getters]
        width = len(columns) + 1
        if connection.vendor == "mysql":
            first = "SELECT %s AS pk, " + ", ".join(f"%s AS v{i}" for i in range(len(columns)))
            rest = " UNION ALL SELECT " + ", ".join(["%s"] * width)
            assignments = ", ".join(f"t.{quote(field.column)} = v.v{i}"
                                    for i, field in enumerate(columns))
            sql = (f"UPDATE {table} AS t JOIN ({first}{rest * (len(chunk) - 1)}) AS v "
                   f"ON t.{quote(pk.column)} = v.pk SET {assignments}")
        else:  # SQLite names the columns of VALUES column1, column2, …
            row = "(" + ", ".join(["%s"] * width) + ")"
            assignments = ", ".join(f"{quote(field.column)} = v.column{i + 2}"
                                    for i, field in enumerate(columns))
            sql = (f"UPDATE {table} SET {assignments} FROM (VALUES "
                   f"{', '.join([row] * len(chunk))}) AS v "
                   f"WHERE {table}.{quote(pk.column)} = v.column1")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _all_equal(values: Sequence[Any]) -> bool:
    first = values[0]
    return all(type(value) is type(first) and value == first for value in values)


def insert_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert plain rows (no objects, no ids back) in as few statements as the database
    allows: on PostgreSQL, from ``COPY_FROM_ROWS`` rows on, one ``COPY`` (the driver formats
    the rows in C: a fifth of the CPU of one array parameter per column, a tenth of a
    placeholder per value); otherwise one multi-row ``INSERT`` per 1,000 rows."""
    if not rows:
        return
    if connection.vendor != "postgresql" or len(rows) < COPY_FROM_ROWS:
        _insert_statements(table, columns, rows)
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    # The driver's errors as Django's (IntegrityError, a deadlock to retry …), as
    # ``execute`` gives them: Django's cursor does not wrap ``copy``.
    with connection.cursor() as cursor, connection.wrap_database_errors, \
            cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)


# Below this many rows a multi-row INSERT costs about half the CPU and wall time of COPY,
# which takes more round trips (measured with 3 rows on PostgreSQL 15).
COPY_FROM_ROWS = 50


def insert_sql(table: str, columns: Sequence[str], rows: int = 1, *, on_conflict: str = "",
               returning: str | None = None, using: str | None = None) -> str:
    """``INSERT INTO table (columns) VALUES (%s, …), …`` with a row of placeholders per row,
    then the ``on_conflict`` clause (``ON CONFLICT …``, ``ON DUPLICATE KEY …``) and
    ``RETURNING`` the column ``returning``: the one builder of the INSERTs written here
    rather than compiled by the ORM for every call."""
    quote = (connections[using] if using else connection).ops.quote_name
    row = f"({', '.join(['%s'] * len(columns))})"
    sql = (f"INSERT INTO {quote(table)} ({', '.join(quote(column) for column in columns)}) "
           f"VALUES {', '.join([row] * rows)}")
    if on_conflict:
        sql += f" {on_conflict}"
    return f"{sql} RETURNING {quote(returning)}" if returning else sql


def _insert_statements(table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]],
                       returning: str | None = None) -> list[Any]:
    """One multi-row ``INSERT`` per 1,000 rows; with ``returning``, that column of each
    row, in the rows' order (as ``bulk_create`` reads the ids back)."""
    returned: list[Any] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BULK_ROWS):
            chunk = rows[start:start + BULK_ROWS]
            cursor.execute(insert_sql(table, columns, len(chunk), returning=returning),
                           [value for values in chunk for value in values])
            if returning:
                returned.extend(value for (value,) in cursor.fetchall())
    return returned


def insert_values(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """``bulk_insert`` for rows given as ``{attname: value}``, without a model object per row
    (a 1,000-line document's ledger lines): a column a row leaves out takes the field's
    default, ``auto_now``/``auto_now_add`` columns the time of the call."""
    if not rows:
        return
    fields = [f for f in model._meta.concrete_fields if not (f.primary_key and f.auto_created)]
    probe = model()  # the defaults and the auto_now times, as one object would get them
    per_row = {f.attname: f for f in fields  # a callable default: a new value per row
               if f.has_default() and callable(f.default)}
    fixed = {f.attname: f.pre_save(probe, True) for f in fields if f.attname not in per_row}

    def value(row: Mapping[str, Any], name: str) -> Any:
        if name in row:
            return row[name]
        return fixed[name] if name in fixed else per_row[name].get_default()

    # Column by column: a column every row names is read without the fallback, and one no
    # row names takes its fixed default prepared once (a 1,000-line posting's ledger and
    # invoice lines are some 30,000 values; under cProfile this took a fifth off this call).
    columns: list[list[Any]] = []
    for field in fields:
        name, prepare = field.attname, value_preparer(field)
        if all(name in row for row in rows):
            columns.append([prepare(row[name]) for row in rows])
        elif name in fixed and not any(name in row for row in rows):
            columns.append([prepare(fixed[name])] * len(rows))
        else:
            columns.append([prepare(value(row, name)) for row in rows])
    insert_rows(model._meta.db_table, [field.column for field in fields],
                list(zip(*columns, strict=True)))


def bulk_insert(objects: Sequence[Model], *, with_ids: bool = False) -> None:
    """``bulk_create`` through ``insert_rows``, without the ORM's per-object SQL compilation
    (on a 1,000-line document that compilation costs more than the database's work).

    ``with_ids``: every object gets its id, as ``bulk_create`` sets them. On PostgreSQL a
    large batch draws its ids from the table's sequence in one statement before the
    ``COPY``; a small one reads them back from its ``INSERT … RETURNING``. Elsewhere this is
    ``bulk_create`` itself."""
    if not objects:
        return
    model = type(objects[0])
    meta = model._meta
    alias = connection.alias
    if with_ids and connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=500)
        return
    fields = [f for f in meta.concrete_fields if not (f.primary_key and f.auto_created)]
    returned = meta.auto_field if with_ids else None  # the id each row's INSERT gives back
    if with_ids and returned is None:
        raise TypeError(f"{meta.label} has no automatic id to draw")
    if returned is not None and len(objects) >= COPY_FROM_ROWS:  # ids first, then COPY
        for obj, pk in zip(objects, _drawn_ids(meta.db_table, returned.column, len(objects)),
                           strict=True):
            setattr(obj, returned.attname, pk)
        fields.insert(0, returned)
        returned = None
    getters = [(value_preparer(field), value_reader(field)) for field in fields]
    rows = [[prepare(read(obj)) for prepare, read in getters] for obj in objects]
    columns = [field.column for field in fields]
    if returned is None:
        insert_rows(meta.db_table, columns, rows)
    else:
        ids = _insert_statements(meta.db_table, columns, rows, returning=returned.column)
        for obj, pk in zip(objects, ids, strict=True):
            setattr(obj, returned.attname, pk)
    for obj in objects:
        obj._state.adding, obj._state.db = False, alias


def _drawn_ids(table: str, column: str, count: int) -> list[int]:
    """``count`` new ids from the sequence behind ``table.column`` (PostgreSQL), ascending.
    They are taken as an ``INSERT`` takes them: no other transaction gets them, and a
    rollback leaves a gap, as it does for ids an ``INSERT`` drew."""
    with connection.cursor() as cursor:
        # The sequence is looked up once (materialized), not per row: 10× cheaper.
        cursor.execute("WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass"
                       " AS seq) SELECT nextval(seq) FROM s, generate_series(1, %s)",
                       [connection.ops.quote_name(table), column, count])
        return sorted(pk for (pk,) in cursor.fetchall())


class _InsertPlan:
    """One model's single-row ``INSERT`` on one database: its SQL, and per column how the
    value is read from the object and prepared. With ``unique`` (field names), a row whose
    values of those fields are taken is skipped (``ON CONFLICT DO NOTHING``)."""

    def __init__(self, model: type[Model], alias: str, unique: tuple[str, ...] = ()) -> None:
        meta = model._meta
        if meta.parents or any(field.has_db_default() or field.generated  # type: ignore[attr-defined]
                               for field in meta.concrete_fields):
            raise TypeError(f"{meta.label}: insert_object takes no inherited model, database "
                            "default or generated column")
        db = connections[alias]
        self.returned = meta.auto_field
        fields = [field for field in meta.concrete_fields if field is not self.returned]
        self.columns = [(value_reader(field), value_preparer(field, per_call=False))
                        for field in fields]
        returning = self.returned.column if self.returned is not None \
            and db.features.can_return_columns_from_insert else None
        self.returning = returning is not None
        on_conflict = ""
        if unique:
            if not self.returning:  # the returned id is how a skipped row is told apart
                raise TypeError(f"{meta.label}: skipping a taken row needs RETURNING of an id")
            taken = ", ".join(db.ops.quote_name(column_field(model, name).column)
                              for name in unique)
            on_conflict = f"ON CONFLICT ({taken}) DO NOTHING"
        self.sql = insert_sql(meta.db_table, [field.column for field in fields],
                              on_conflict=on_conflict, returning=returning, using=alias)


@functools.cache
def _insert_plan(model: type[Model], alias: str, unique: tuple[str, ...] = ()) -> _InsertPlan:
    return _InsertPlan(model, alias, unique)


def insert_object(obj: M) -> M:
    """``obj.save(force_insert=True)`` for a new row of a plain model (no parent model, no
    database default), with the ``INSERT`` built once per model and database: Django
    compiles it on every save, which costs more CPU than the statement on the hot path (a
    document's header, its history row, its outbox event). The save signals are sent as
    ``save`` sends them, so the checks hooked on ``pre_save`` still run."""
    _insert(obj, _insert_plan(type(obj), connection.alias))
    return obj


def insert_object_unless_taken(obj: Model, unique: tuple[str, ...]) -> bool:
    """``insert_object``, unless a row already holds ``obj``'s values of the ``unique``
    fields (a unique constraint): then nothing is written. Whether ``obj`` was inserted.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL, SQLite), where a
    savepoint around a plain INSERT would take three statements. Like the plain INSERT, it
    waits for a concurrent transaction holding the same values, then sees its row."""
    if connection.vendor not in ("postgresql", "sqlite"):
        raise NotSupportedError("INSERT … ON CONFLICT DO NOTHING RETURNING: "
                                "PostgreSQL and SQLite only")
    return _insert(obj, _insert_plan(type(obj), connection.alias, unique))


def _insert(obj: Model, plan: _InsertPlan) -> bool:
    model, alias = type(obj), connection.alias
    signals.pre_save.send(sender=model, instance=obj, raw=False, using=alias,
                          update_fields=None)
    obj._prepare_related_fields_for_save(operation_name="save")  # type: ignore[attr-defined]
    params = [prepare(read(obj)) for read, prepare in plan.columns]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        if plan.returned is not None:
            if plan.returning:
                row = cursor.fetchone()
                if row is None:  # ON CONFLICT DO NOTHING: the unique values were taken
                    return False
                pk = row[0]
            else:
                pk = connection.ops.last_insert_id(cursor, model._meta.db_table,
                                                   plan.returned.column)
            setattr(obj, plan.returned.attname, pk)
    obj._state.adding, obj._state.db = False, alias
    signals.post_save.send(sender=model, instance=obj, created=True, update_fields=None,
                           raw=False, using=alias)
    return True


class _UpdatePlan:
    """One model's ``UPDATE … WHERE pk = %s`` of some fields on one database."""

    def __init__(self, model: type[Model], names: tuple[str, ...], alias: str) -> None:
        meta = model._meta
        if meta.parents:
            raise TypeError(f"{meta.label}: update_object takes no inherited model")
        fields = list(dict.fromkeys(column_field(model, name) for name in names))
        if any(field.primary_key or field.generated for field in fields):
            raise TypeError(f"{meta.label}: update_object writes neither the key nor a "
                            "generated column")
        self.names, self.fields = frozenset(names), fields
        self.columns = [(field, value_preparer(field, per_call=False)) for field in fields]
        quote = connections[alias].ops.quote_name
        self.sql = (f"UPDATE {quote(meta.db_table)} SET "
                    f"{', '.join(f'{quote(field.column)} = %s' for field in fields)} "
                    f"WHERE {quote(meta.pk.column)} = %s")


@functools.cache
def _update_plan(model: type[Model], names: tuple[str, ...], alias: str) -> _UpdatePlan:
    return _UpdatePlan(model, names, alias)


def update_object(obj: Model, fields: Sequence[str]) -> None:
    """``obj.save(update_fields=fields)`` with the ``UPDATE`` built once per model, fields and
    database (Django compiles it on every save): the same signals, ``auto_now`` stamps and
    error when the row is gone."""
    model, alias = type(obj), connection.alias
    plan = _update_plan(model, tuple(fields), alias)
    signals.pre_save.send(sender=model, instance=obj, raw=False, using=alias,
                          update_fields=plan.names)
    obj._prepare_related_fields_for_save(  # type: ignore[attr-defined]
        operation_name="save", fields=plan.fields)
    params = [prepare(field.pre_save(obj, False)) for field, prepare in plan.columns]
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, [*params, obj.pk])
        if cursor.rowcount == 0:  # as ``save`` refuses it
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = alias
    signals.post_save.send(sender=model, instance=obj, created=False,
                           update_fields=plan.names, raw=False, using=alias)
