from __future__ import annotations

from typing import TypedDict

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


class IdempotencyKey(models.Model):
    """The first response to a POST carrying ``Idempotency-Key``, stored in the transaction of
    its effect, so a retry returns it instead of doing the work again."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"],
                                               name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} {self.endpoint}"
