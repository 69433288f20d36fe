from __future__ import annotations

from typing import Any

from django.db import transaction

from .models import OutboxEvent


def record_event(*, event_type: str, aggregate_type: str, aggregate_id: int,
                 payload: dict[str, Any]) -> OutboxEvent:
    """Write an outbox row; must run inside the transaction of the change it announces."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of its change")
    return OutboxEvent.objects.create(event_type=event_type, aggregate_type=aggregate_type,
                                      aggregate_id=aggregate_id, payload=payload)
