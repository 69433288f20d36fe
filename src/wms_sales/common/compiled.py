"""Read statements of the hot path compiled to SQL once per process and database, then run
with new values.

Django compiles a queryset to SQL on every execution. For a statement with a few subqueries
that costs ten to twenty times running it: the credit check's sums take 1.9 ms of CPU to
compile and 0.1 ms to execute. ``CompiledRead`` builds the queryset once with stand-in
values, keeps the SQL, its parameters and the result converters Django chose, and on each
call swaps the stand-ins for the caller's values. Rows and objects come back exactly as the
queryset's own iteration builds them (Django's ``ModelIterable``, without prefetching).

A value may also be a list of ids for an ``any_of`` lookup (``lists=`` names its position):
PostgreSQL takes it as one array parameter (``= ANY(%s)``), so the SQL never changes; the
other databases have ``IN (%s, …)`` with a placeholder per value, which is widened to the
list's length on each call (string work, not a compilation)."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, TypeVar, cast

from django.db import connections
from django.db.models import ForeignKey, Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]
from django.db.transaction import TransactionManagementError

# Stand-ins for the values of a call: integers no real id or quantity takes.
_STAND_IN_BASE = -7_340_032_000_001
# A placeholder, or an escaped percent sign (``%%``) that is none.
_PLACEHOLDER = re.compile(r"%[%s]")
Value = int | Sequence[int]


class _Plan:
    def __init__(self, compiler: Any, sql: str, params: Sequence[Any],
                 slots: dict[int, int], widened: Collection[int]) -> None:
        self.compiler, self.sql, self.params, self.slots = compiler, sql, list(params), slots
        self.widened = widened  # positions of the params of an IN list, one per value
        self._pieces: list[str] | None = None
        self._model: tuple[Any, ...] | None = None
        # Django's ``results_iter`` asks each selected column for its converters on every
        # execution (5 % of a 3-line lifecycle's CPU under cProfile); they depend on the
        # columns only.
        selected = [column[0] for column in compiler.select[0:compiler.col_count]]
        if compiler.has_composite_fields(selected):
            raise ValueError("a compiled read selects no composite primary key")
        self.converters = compiler.get_converters(selected)

    def converted(self, fetched: list[Any]) -> Iterator[Any]:
        """The fetched rows as the queryset's own ``results_iter`` gives them."""
        if not self.converters:
            return iter(fetched)
        converted: Iterator[Any] = self.compiler.apply_converters(fetched, self.converters)
        return converted

    def sql_for(self, lengths: dict[int, int]) -> str:
        """The SQL with the placeholder at each position in ``lengths`` repeated that often."""
        if not lengths:
            return self.sql
        if self._pieces is None:  # the text between the placeholders
            pieces, start = [], 0
            for match in _PLACEHOLDER.finditer(self.sql):
                if match.group() == "%s":
                    pieces.append(self.sql[start:match.start()])
                    start = match.end()
            pieces.append(self.sql[start:])
            self._pieces = pieces
        sql = [self._pieces[0]]
        for position, piece in enumerate(self._pieces[1:]):
            length = lengths.get(position)
            sql.append("%s" if length is None else ", ".join(["%s"] * length))
            sql.append(piece)
        return "".join(sql)

    def model_parts(self) -> tuple[Any, ...]:
        """What Django's ``ModelIterable`` derives from the compiled select to build objects:
        the model, its columns, their attribute names, the related rows' populators and the
        annotations' positions."""
        if self._model is None:
            compiler = self.compiler
            info, select = compiler.klass_info, compiler.select
            fields = info["select_fields"]
            columns = slice(fields[0], fields[-1] + 1)
            self._model = (info["model"], columns,
                           [column[0].target.attname for column in select[columns]],
                           get_related_populators(info, select, compiler.using),
                           dict(compiler.annotation_col_map or {}))
        return self._model


class CompiledRead:
    """``build(*ids)`` returns a queryset filtered by the integer ``ids``; ``rows(*ids)`` (for
    a ``values_list()`` queryset) and ``objects(*ids)`` (for a model queryset, with its
    ``select_related``) run it as compiled once for that database. The values at the
    positions in ``lists`` are lists of ids, used only as ``field__any_of=ids``; a call gives
    them non-empty (an empty IN list is no SQL)."""

    def __init__(self, build: Callable[..., QuerySet[Any, Any]], arity: int,
                 lists: Collection[int] = ()) -> None:
        self._build, self._arity, self._lists = build, arity, frozenset(lists)
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, alias: str) -> _Plan:
        plan = self._plans.get(alias)
        if plan is not None:
            return plan
        with self._lock:
            stand_ins = [_STAND_IN_BASE - n for n in range(self._arity)]
            queryset = self._build(*([value] if n in self._lists else value
                                      for n, value in enumerate(stand_ins)))
            if any(getattr(queryset, name) for name in ("_known_related_objects",
                                                        "_prefetch_related_lookups")):
                raise ValueError("a compiled read neither prefetches nor knows related objects")
            compiler = queryset.query.get_compiler(using=alias)
            sql, params = compiler.as_sql()
            slots: dict[int, int] = {}
            widened = set()
            for position, value in enumerate(params):
                if type(value) is list and len(value) == 1:  # an array parameter
                    value = value[0]
                    if value not in stand_ins or stand_ins.index(value) not in self._lists:
                        continue
                elif type(value) is not int or value not in stand_ins:
                    continue
                elif stand_ins.index(value) in self._lists:
                    widened.add(position)
                slots[position] = stand_ins.index(value)
            if sorted(slots.values()) != list(range(self._arity)):
                raise ValueError("every value of a compiled read must appear in its SQL once")
            plan = self._plans[alias] = _Plan(compiler, sql, params, slots, widened)
        return plan

    def _run(self, values: tuple[Value, ...], using: str) -> tuple[_Plan, Iterator[Any]]:
        if len(values) != self._arity:
            raise TypeError(f"expected {self._arity} values, got {len(values)}")
        for n, value in enumerate(values):
            if (n in self._lists) is isinstance(value, int):
                raise TypeError(f"value {n} must be {'a list' if n in self._lists else 'an int'}")
        plan = self._plan(using)
        connection = connections[using]
        if plan.compiler.query.select_for_update and connection.features.has_select_for_update \
                and connection.get_autocommit():  # as the compiler refuses it
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction.")
        params = list(plan.params)
        lengths: dict[int, int] = {}
        for position, index in plan.slots.items():
            value = values[index]
            if isinstance(value, int):
                params[position] = value
                continue
            ids = list(dict.fromkeys(value))  # as ``any_of``: each id once
            if not ids:
                raise ValueError("a list value of a compiled read must not be empty")
            if position in plan.widened:
                lengths[position] = len(ids)
            params[position] = ids
        sql = plan.sql_for(lengths)
        if lengths:  # each list in place of its one placeholder, from the last one back
            for position in sorted(lengths, reverse=True):
                params[position:position + 1] = params[position]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        return plan, plan.converted(fetched)

    def rows(self, *values: Value, using: str = "default") -> list[tuple[Any, ...]]:
        """The rows of a ``values_list()`` read, converted as the queryset converts them."""
        _, rows = self._run(values, using)
        return [tuple(row) for row in rows]

    def objects(self, *values: Value, using: str = "default") -> list[Any]:
        """The model objects of a model read, as the queryset's own iteration builds them."""
        plan, rows = self._run(values, using)
        model, columns, init_list, related, annotations = plan.model_parts()
        found = []
        for row in rows:
            obj = model.from_db(using, init_list, row[columns])
            for populator in related:
                populator.populate(row, obj)
            for name, position in annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *values: Value, using: str = "default") -> Any | None:
        """The first object of a model read (build it with ``[:1]``), or None."""
        found = self.objects(*values, using=using)
        return found[0] if found else None


M = TypeVar("M", bound=Model)


@functools.cache
def _by_pk(model: type[Model]) -> CompiledRead:
    return CompiledRead(lambda pk: model._default_manager.filter(pk=pk)[:1], arity=1)


def row_by_pk(model: type[M], pk: int) -> M | None:
    """``model.objects.filter(pk=pk).first()`` without compiling it each time (and without
    its ordering: one row)."""
    return _by_pk(model).first(pk)


def load_related(obj: Model, name: str) -> Any:
    """``getattr(obj, name)`` for a foreign key to another row's primary key: the related
    row read through ``row_by_pk`` when it is not loaded yet, and kept on ``obj`` as
    Django keeps it."""
    field = obj._meta.get_field(name)
    if not isinstance(field, ForeignKey) or not field.target_field.primary_key:
        raise TypeError(f"{obj._meta.label}.{name} is not a foreign key to a primary key")
    if field.is_cached(obj):
        return getattr(obj, name)
    target = cast(type[Model], field.related_model)
    related_id = getattr(obj, field.attname)
    related = None if related_id is None else row_by_pk(target, related_id)
    if related is None and related_id is not None:
        raise target.DoesNotExist(  # type: ignore[attr-defined]
            f"{target._meta.object_name} {related_id} does not exist.")
    field.set_cached_value(obj, related)
    return related
