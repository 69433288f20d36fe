from __future__ import annotations

from typing import Any, TypedDict

from django.conf import settings
from django.db import models


class DecimalSize(TypedDict):
    """``max_digits``/``decimal_places`` shared by the decimal columns of one kind, typed so
    that ``DecimalField(**QUANTITY)`` type-checks."""

    max_digits: int
    decimal_places: int


class NumberSeries(models.Model):
    """The last number handed out per series key (``CUS``, ``SO20261125`` …).

    Incremented under a row lock so concurrent creators never share a number."""

    key = models.CharField(max_length=40, primary_key=True)
    last_value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(last_value__gte=0),
                                   name="number_series_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.last_value}"


class VerbatimJSONField(models.JSONField):
    """JSON stored as the text it was written as. PostgreSQL's ``jsonb`` would reorder the
    keys and respace the text; its ``json`` type keeps the text (and still checks that it
    is JSON). SQLite and MariaDB keep the text anyway."""

    def db_type(self, connection: Any) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        adapted = super().get_db_prep_value(value, connection, prepared)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(adapted, Jsonb):
                # Sent as ``json``: a ``jsonb`` parameter would be parsed into ``jsonb`` and
                # printed back to text for the column, more work than storing ``jsonb``.
                return Json(adapted.obj, dumps=adapted.dumps)
        return adapted

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        # The PostgreSQL drivers decode ``json`` themselves (Django keeps only ``jsonb`` text).
        if value is None or not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)


class IdempotencyKey(models.Model):
    """The first response to a POST carrying ``Idempotency-Key``, stored in the transaction of
    its effect, so a retry returns it instead of doing the work again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    # The answer exactly as first sent, so a replay sends the same bytes (idempotency.py).
    response_body = VerbatimJSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} {self.endpoint}"
