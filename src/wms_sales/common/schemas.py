"""The base of every API schema: strict scalars, bounded text and dates, documented limits.

Pydantic's lax mode turns ``true`` into 1, ``"1_0"``/``"١٢"``/``"１"`` into numbers and ``0``
into 1970-01-01. Every schema inherits from :class:`Schema` here, whose one validator looks at
each field's declared type and refuses those readings before pydantic converts them; its
configuration caps every string and writes the caps into the OpenAPI document. Query and path
parameters use the same rules through :data:`IsoDate` and :data:`Id`.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Union, cast, get_args, get_origin

import ninja
from django.template import Variable, VariableDoesNotExist
from ninja.schema import DjangoGetter
from pydantic import (
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

# The longest text any field takes: the longest column is 500 characters, free-text notes
# get room for a page of text. Longer strings are refused before anything is stored.
MAX_TEXT_LENGTH = 4000
# Dates a business document can sensibly carry: keeps document numbers 8-digit dates and
# due dates (date + at most 3650 days) representable.
MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2999, 12, 31)
MAX_ID = 2**63 - 1  # the id columns are signed 64-bit integers
# In the validation context of an answer (ninja puts it there when it renders one; so does
# the idempotent write): the strict reading is for input only.
RESPONSE_STATUS = "response_status"

ASCII_INTEGER = re.compile(r"[+-]?[0-9]+")
ASCII_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# What the OpenAPI document promises for decimal strings (pydantic's own pattern uses \d,
# which also matches non-ASCII digits).
DECIMAL_STRING_PATTERN = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$"


def _scalar_types(annotation: Any) -> set[type]:
    """The plain types an annotation accepts: ``int | None`` -> {int, NoneType}."""
    if get_origin(annotation) is Annotated:
        return _scalar_types(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        found: set[type] = set()
        for arg in get_args(annotation):
            found |= _scalar_types(arg)
        return found
    return {annotation} if get_origin(annotation) is None and isinstance(annotation, type) \
        else set()


def strict_integer(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Must be an integer, not a boolean.")
    if isinstance(value, str) and not ASCII_INTEGER.fullmatch(value.strip()):
        raise ValueError("Must be an integer written with the digits 0-9.")
    return value


def strict_decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("Must be a number, not a boolean.")
    if isinstance(value, str) and not ASCII_DECIMAL.fullmatch(value.strip()):
        raise ValueError("Must be a decimal number written with the digits 0-9 and a dot.")
    return value


def iso_date(value: Any) -> Any:
    """Only ``YYYY-MM-DD`` strings (or dates), within [MIN_DATE, MAX_DATE]."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        if not ISO_DATE.fullmatch(value):
            raise ValueError("Must be a date written as YYYY-MM-DD.")
        try:
            value = date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"Not a valid date: {exc}.") from exc
    if not isinstance(value, date):
        raise ValueError("Must be a date written as YYYY-MM-DD.")
    if not MIN_DATE <= value <= MAX_DATE:
        raise ValueError(f"Must be between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}.")
    return value


@functools.cache
def _checker(annotation: Any) -> Callable[[Any], Any] | None:
    """The strict check for a declared type, worked out once per annotation (schemas also
    render every response: a 1,000-line order is 19,000 field values)."""
    accepted = _scalar_types(annotation)
    if bool in accepted or str in accepted:
        return None
    if date in accepted and datetime not in accepted:
        return iso_date
    if Decimal in accepted or float in accepted:
        return strict_decimal
    if int in accepted:
        return strict_integer
    return None


def strict_scalar(annotation: Any, value: Any) -> Any:
    """``value`` checked against the strict reading of the scalar type(s) it is declared as."""
    check = _checker(annotation) if value is not None else None
    return check(value) if check is not None else value


def _document_limits(schema: dict[str, Any], model: type) -> None:
    """Write the real limits into each property of the model's JSON schema."""
    for prop in schema.get("properties", {}).values():
        for variant in [prop, *prop.get("anyOf", [])]:
            if variant.get("type") == "string" and "format" not in variant \
                    and "enum" not in variant and "$ref" not in variant:
                if variant.get("pattern") and "\\d" in variant["pattern"]:
                    variant["pattern"] = DECIMAL_STRING_PATTERN
                elif "pattern" not in variant:
                    variant.setdefault("maxLength", MAX_TEXT_LENGTH)
            if variant.get("type") == "string" and variant.get("format") == "date":
                variant.setdefault("formatMinimum", MIN_DATE.isoformat())
                variant.setdefault("formatMaximum", MAX_DATE.isoformat())


# Values that ninja's DjangoGetter hands to pydantic unchanged (no manager, queryset,
# callable or file): read without its conversions.
_PLAIN_TYPES = frozenset({int, str, Decimal, float, bool, type(None), date, datetime})
# Schema classes made only to report the errors of a refused body (see _refused).
_REPORTERS: set[type] = set()


class _Plan:
    """How a schema class reads its input: the field names, and the strict check of each
    field that has one (worked out once per class, on its first validation)."""

    __slots__ = ("checks", "names")

    def __init__(self, cls: type[ninja.Schema]) -> None:
        fields = cls.model_fields
        self.names = tuple(fields)
        self.checks = tuple((name, check, check is iso_date) for name, field in fields.items()
                            if (check := _checker(cast(Any, field.annotation))) is not None)


def _plan(cls: type[ninja.Schema]) -> _Plan:
    plan = cls.__dict__.get("_schema_plan")
    if plan is None:
        plan = _Plan(cls)
        cls._schema_plan = plan  # type: ignore[attr-defined]
    return plan


def _read(cls: type[ninja.Schema], values: Any, names: tuple[str, ...],
          context: Any) -> dict[str, Any]:
    """The fields' values as ninja's DjangoGetter gives them to pydantic one by one (the
    resolver if the schema has one, else the key of a dict or the attribute; managers,
    querysets, callables and files converted), gathered in one pass; a field it would
    report missing is left out."""
    getter = DjangoGetter(values, cls, context)
    resolvers = cls._ninja_resolvers
    is_dict = isinstance(values, dict)
    data: dict[str, Any] = {}
    for name in names:
        resolver = resolvers.get(name)
        try:
            if resolver is not None:
                value = resolver(getter=getter)
            elif is_dict:
                if name not in values:
                    continue
                value = values[name]
            else:
                try:
                    value = getattr(values, name)
                except AttributeError:  # ninja's fallback: a template variable's lookup
                    value = Variable(name).resolve(values)
        except (AttributeError, VariableDoesNotExist):
            continue
        if type(value) not in _PLAIN_TYPES:
            value = getter._convert_result(value)
        data[name] = value
    return data


def _refused(cls: type[ninja.Schema], data: dict[str, Any], context: Any) -> None:
    """Raise the errors pydantic reports for ``data`` when each field is checked one by one:
    those of the strict checks and those of every other field, as the same schema with the
    checks as field validators gives them."""
    reporter = cls.__dict__.get("_schema_reporter")
    if reporter is None:
        reporter = create_model(cls.__name__, __base__=cls, __module__=cls.__module__,
                                __validators__={"_strict_field": cast(Any, _strict_field)})
        _REPORTERS.add(reporter)
        cls._schema_reporter = reporter  # type: ignore[attr-defined]
    reporter.model_validate(data, context=context)


def _check_field(cls: type[ninja.Schema], value: Any, info: ValidationInfo) -> Any:
    field = cls.model_fields.get(info.field_name or "")
    return strict_scalar(field.annotation, value) if field is not None else value


_strict_field = field_validator("*", mode="before")(classmethod(_check_field))


class Schema(ninja.Schema):
    """Base of every API schema (see the module docstring).

    Its root validator replaces ninja's: the same values, read in one pass instead of one
    attribute look-up per field from pydantic, and the strict checks of the whole body run
    over that one dict; only a body they refuse is validated again, field by field, to
    report its errors as before (a 1,000-line order is 19,000 field values)."""

    model_config = ConfigDict(str_max_length=MAX_TEXT_LENGTH, json_schema_extra=_document_limits)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Refuse at import what the one-pass reading does not do as ninja would: fields
        read under another name, extras forbidden, assignments validated."""
        super().__pydantic_init_subclass__(**kwargs)
        for name, field in cls.model_fields.items():
            if field.alias is not None or field.validation_alias is not None:
                raise TypeError(f"{cls.__name__}.{name}: Schema fields take no alias.")
        if cls.model_config.get("extra") == "forbid" \
                or cls.model_config.get("validate_assignment"):
            raise TypeError(f"{cls.__name__}: a Schema neither forbids extras nor validates "
                            "assignments.")

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(cls, values: Any, handler: ModelWrapValidatorHandler[Any],
                            info: ValidationInfo) -> Any:
        if cls in _REPORTERS:  # the values are read already; the field validators check
            return handler(values)
        plan = _plan(cls)
        data = _read(cls, values, plan.names, info.context)
        if info.context and RESPONSE_STATUS in info.context:
            return handler(data)  # an answer rendered from our own rows: nothing typed
        for name, check, always in plan.checks:
            value = data.get(name)
            if value is None or not (always or isinstance(value, (str, bool))):
                continue  # nothing strict_integer or strict_decimal refuse or change
            try:
                checked = check(value)
            except ValueError:
                _refused(cls, data, info.context)
                raise
            if checked is not value:
                data[name] = checked
        return handler(data)


# For query and path parameters, which ninja validates outside any Schema subclass.
IsoDate = Annotated[date, BeforeValidator(iso_date)]
Id = Annotated[int, BeforeValidator(strict_integer), Field(ge=1, le=MAX_ID)]
