from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models

from .errors import ValidationFailed


def full_clean_or_422(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run Django's field and model validation and raise a 422 naming each bad field.

    Uniqueness is left to the caller, which answers it with a 409, not a 422."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationFailed({field: [str(m) for m in msgs]
                                for field, msgs in exc.message_dict.items()}) from exc


class FieldErrors:
    """Messages collected by field (``lines[2].quantity``) so that one answer names every bad
    field at once; ``raise_if_any`` raises the usual 422 ``ValidationFailed`` with them."""

    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, *messages: str) -> None:
        self.fields.setdefault(field, []).extend(messages)

    def add_all(self, fields: dict[str, list[str]], *, prefix: str = "") -> None:
        """Another ``ValidationFailed``'s fields (``exc.details["fields"]``), under ``prefix``."""
        for name, messages in fields.items():
            self.add(prefix + name, *messages)

    def __bool__(self) -> bool:
        return bool(self.fields)

    def error(self) -> ValidationFailed:
        return ValidationFailed(self.fields)

    def raise_if_any(self) -> None:
        if self.fields:
            raise self.error()
