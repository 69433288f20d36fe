from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

from .models import OutboxEvent

Handler = Callable[[OutboxEvent], None]
_local_handlers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(*event_types: str) -> Callable[[Handler], Handler]:
    """Register an in-process handler run inside the transaction that records the event —
    for read models that must never drift from the documents (e.g. report aggregates).
    Other modules get events at least once through the outbox relay instead."""

    def register(handler: Handler) -> Handler:
        for event_type in event_types:
            _local_handlers[event_type].append(handler)
        return handler

    return register


def record_event(*, event_type: str, aggregate_type: str, aggregate_id: int,
                 payload: dict[str, Any]) -> OutboxEvent:
    """Write an outbox row and run the local handlers; must run inside the transaction of
    the change it announces, so all of it commits or none."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of its change")
    event = OutboxEvent.objects.create(event_type=event_type, aggregate_type=aggregate_type,
                                       aggregate_id=aggregate_id, payload=payload)
    for handler in _local_handlers.get(event_type, ()):
        handler(event)
    return event
