from __future__ import annotations

import uuid

from django.db import models

from wms_sales.common.jsonenc import FastDjangoJSONEncoder
from wms_sales.common.models import VerbatimJSONField


class OutboxEvent(models.Model):
    """A domain event written in the transaction of the change it announces (transactional
    outbox); a relay delivers it at least once, in id order per aggregate."""

    event_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    event_type = models.CharField(max_length=60)  # e.g. "order.approved"
    aggregate_type = models.CharField(max_length=40)  # e.g. "sales_order"
    aggregate_id = models.BigIntegerField()
    # ``json``, not ``jsonb``, on PostgreSQL: nothing queries inside a payload, and parsing a
    # 1,000-line document's payload into ``jsonb`` took the server about 4 ms more per event.
    payload = VerbatimJSONField(encoder=FastDjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["published_at", "id"]),
            models.Index(fields=["aggregate_type", "aggregate_id", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.aggregate_type}#{self.aggregate_id}"


class ProcessedMessage(models.Model):
    """A message a consumer handler has applied, written in the transaction of its effect:
    a redelivered message finds its id here and changes nothing (idempotent consumer)."""

    handler = models.CharField(max_length=100)
    message_id = models.CharField(max_length=100)
    message_type = models.CharField(max_length=60)
    processed_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["handler", "message_id"],
                                               name="processed_message_once_per_handler")]

    def __str__(self) -> str:
        return f"{self.handler}: {self.message_type} {self.message_id}"
