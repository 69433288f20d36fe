from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wms_sales.common.db import insert_object

from .models import OutboxEvent, ProcessedMessage

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


def broker_enabled() -> bool:
    return bool(settings.AMQP_URL)


def record_event(*, event_type: str, aggregate_type: str, aggregate_id: int,
                 payload: dict[str, Any]) -> OutboxEvent:
    """Write an outbox row and run the local handlers; must run inside the transaction of
    the change it announces, so all of it commits or none.

    With a broker, the row waits for `wms-sales relay`. Without one (the embedded default)
    it is delivered in process: marked delivered as it is written (no second write) and
    handed to the consumer handlers once the transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_event must run inside the transaction of its change")
    embedded = not broker_enabled()
    event = insert_object(OutboxEvent(event_type=event_type, aggregate_type=aggregate_type,
                                      aggregate_id=aggregate_id, payload=payload,
                                      published_at=timezone.now() if embedded else None))
    for handler in _local_handlers.get(event_type, ()):
        handler(event)
    if embedded:
        transaction.on_commit(lambda: _deliver_in_process(event))
    return event


def _deliver_in_process(event: OutboxEvent) -> None:
    from .consumers import dispatch_in_process, handlers_for
    from .contract import build_envelope

    if handlers_for("AMQP_EXCHANGE", event.event_type):
        # The envelope as a consumer would read it from the wire (decimals as strings).
        dispatch_in_process("AMQP_EXCHANGE", build_envelope(event))


def outbox_backlog() -> tuple[int, float | None]:
    """Undelivered events and the age in seconds of the oldest (None when there is none)."""
    pending = OutboxEvent.objects.filter(published_at__isnull=True)
    oldest = pending.order_by("id").values_list("created_at", flat=True).first()
    age = (timezone.now() - oldest).total_seconds() if oldest else None
    return pending.count(), age


def prune_delivered(*, retention_hours: float | None = None, batch_size: int = 5000) -> int:
    """Delete delivered outbox rows and processed message ids older than the retention,
    in batches so no long lock is held. Returns how many outbox rows went."""
    hours = settings.OUTBOX_RETENTION_HOURS if retention_hours is None else retention_hours
    cutoff = timezone.now() - timedelta(hours=hours)
    deleted = 0
    while True:
        ids = list(OutboxEvent.objects.filter(published_at__lt=cutoff)
                   .order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        deleted += OutboxEvent.objects.filter(id__in=ids).delete()[0]
    while True:
        ids = list(ProcessedMessage.objects.filter(processed_at__lt=cutoff)
                   .order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        ProcessedMessage.objects.filter(id__in=ids).delete()
    return deleted
