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
