from __future__ import annotations

from django.db import models


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
