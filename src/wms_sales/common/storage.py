"""What every saved row goes through: text that fits its column, decimals at their scale."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import models

from .errors import ValidationFailed
from .schemas import MAX_TEXT_LENGTH


def fit_to_columns(sender: type[models.Model], instance: models.Model, raw: bool = False,
                   **kwargs: Any) -> None:
    """Refuse text longer than its column (SQLite would store it, PostgreSQL would fail with
    a DataError naming nothing) and give each Decimal the scale of its column, so the instance
    a service returns renders ``"1.00"`` exactly as the row read back does."""
    if raw or not sender.__module__.startswith("wms_sales."):
        return
    too_long: dict[str, list[str]] = {}
    for field in sender._meta.concrete_fields:
        value = getattr(instance, field.attname, None)
        if value is None:
            continue
        if isinstance(field, models.DecimalField) and isinstance(value, Decimal | int):
            try:
                setattr(instance, field.attname,
                        Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places),
                                                ROUND_HALF_UP))
            except InvalidOperation:  # more digits than any column: the DB refuses it as before
                continue
        elif isinstance(field, models.CharField | models.TextField) and isinstance(value, str):
            limit = field.max_length or MAX_TEXT_LENGTH
            if len(value) > limit:
                too_long[field.name] = [f"At most {limit} characters ({len(value)} given)."]
    if too_long:
        raise ValidationFailed(too_long)
