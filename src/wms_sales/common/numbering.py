"""Human document numbers: unique per series and safe under concurrency."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import NumberSeries


def next_value(key: str) -> int:
    """Take the next running number of ``key`` inside the caller's transaction.

    The UPDATE takes the row lock, so a concurrent caller waits for our commit and then
    sees the incremented value; the first caller of a new key creates the row."""
    with transaction.atomic():
        updated = NumberSeries.objects.filter(key=key).update(last_value=F("last_value") + 1)
        if not updated:
            try:
                with transaction.atomic():
                    NumberSeries.objects.create(key=key, last_value=1)
                    return 1
            except IntegrityError:  # another transaction created it first
                NumberSeries.objects.filter(key=key).update(last_value=F("last_value") + 1)
        return NumberSeries.objects.get(key=key).last_value


def master_code(prefix: str, width: int = 6) -> str:
    """``CUS000001``-style codes for master data."""
    return f"{prefix}{next_value(prefix):0{width}d}"


def document_number(prefix: str, on: date, width: int = 4) -> str:
    """``SO202611250001``-style document numbers: series restart every day."""
    stamp = f"{on.year:04d}{on.month:02d}{on.day:02d}"  # strftime drops zeros before 1000
    return f"{prefix}{stamp}{next_value(prefix + stamp):0{width}d}"
