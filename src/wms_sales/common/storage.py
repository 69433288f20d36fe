"""What every row of the project goes through: text that fits its column, decimals at their
column's scale from the moment they are assigned."""

from __future__ import annotations

import functools
from contextlib import suppress
from decimal import Decimal, InvalidOperation
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.query_utils import DeferredAttribute

from .errors import ValidationFailed
from .schemas import MAX_TEXT_LENGTH


class ScaledDecimalAttribute(DeferredAttribute):
    """A DecimalField's attribute that keeps the column's scale: ``Decimal("1")`` assigned to
    a 2-place column reads back as ``Decimal("1.00")``, exactly as the stored row does, so an
    answer rendered from the instance a service just saved (or bulk-inserted) says ``"1.00"``
    like the same record read later. Only pads: a value with more places than the column is
    left for validation to refuse (never silently rounded)."""

    def __init__(self, field: models.DecimalField[Any, Any]) -> None:
        super().__init__(field)
        self.places = field.decimal_places
        self.quantum = Decimal(1).scaleb(-field.decimal_places)

    def __set__(self, instance: models.Model, value: Any) -> None:
        # Every row read from the database comes through here, already at the column's
        # scale: one C call settles that case (the rest is rarer and dearer).
        if type(value) is not Decimal or not value.same_quantum(self.quantum):
            value = self._scaled(value)
        instance.__dict__[self.field.attname] = value

    def _scaled(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = Decimal(value)
        # A finite Decimal's exponent is an int (the letters are for NaN and infinity).
        if isinstance(value, Decimal) and value.is_finite() \
                and int(value.as_tuple().exponent) > -self.places:
            # more digits than any column: left as it is, for the database to refuse
            with suppress(InvalidOperation):
                value = value.quantize(self.quantum)
        return value


def scale_decimal_attributes() -> None:
    """Give every DecimalField of the project's models a :class:`ScaledDecimalAttribute`."""
    for model in apps.get_models():
        if not model.__module__.startswith("wms_sales."):
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DecimalField) and field.model is model:
                setattr(model, field.attname, ScaledDecimalAttribute(field))


def _from_db(cls: type[models.Model], db: str, field_names: list[str],
             values: tuple[Any, ...]) -> models.Model:
    """``Model.from_db`` without ``Model.__init__``: a read row's values go straight into the
    instance's ``__dict__``. ``__init__`` sets them one by one through each field's
    descriptor (for a scaled decimal, a Python call per value), which costs more CPU than the
    query on a 1,000-line document. The outcome is the same: the attribute descriptors only
    scale decimals, which the database already gives at their column's scale, or drop a
    cached related object, which a new instance has none of; a field left out is deferred in
    both. Signals of ``__init__`` (``pre_init``/``post_init``) have no receiver in this
    project; should one be connected, Django's own way is taken."""
    if signals.pre_init.receivers or signals.post_init.receivers:
        built: models.Model = models.Model.from_db.__func__(  # type: ignore[attr-defined]
            cls, db, field_names, values)
        return built
    new = cls.__new__(cls)
    state = new._state = ModelState()
    state.adding, state.db = False, db
    new.__dict__.update(zip(field_names, values, strict=True))
    return new


def read_rows_without_init() -> None:
    """Give every model of the project the :func:`_from_db` above."""
    for model in apps.get_models():
        if model.__module__.startswith("wms_sales."):
            model.from_db = classmethod(_from_db)  # type: ignore[assignment,method-assign]


@functools.cache
def _text_limits(model: type[models.Model]) -> tuple[tuple[str, str, int], ...]:
    """(name, attribute, most characters) of each text column of ``model``."""
    return tuple((field.name, field.attname, field.max_length or MAX_TEXT_LENGTH)
                 for field in model._meta.concrete_fields
                 if isinstance(field, models.CharField | models.TextField))


def refuse_oversized_text(sender: type[models.Model], instance: models.Model, raw: bool = False,
                          **kwargs: Any) -> None:
    """Refuse text longer than its column before it is saved: SQLite would store it,
    PostgreSQL would fail with a DataError naming no field. Free-text columns (TextField)
    take at most MAX_TEXT_LENGTH characters."""
    if raw or not sender.__module__.startswith("wms_sales."):
        return
    too_long: dict[str, list[str]] = {}
    values = instance.__dict__
    for name, attname, limit in _text_limits(sender):
        value = values.get(attname)
        if isinstance(value, str) and len(value) > limit:
            too_long[name] = [f"At most {limit} characters ({len(value)} given)."]
    if too_long:
        raise ValidationFailed(too_long)
