"""The outbox relay: claims undelivered rows in id order, publishes each to RabbitMQ and
marks it delivered only after the broker confirmed it, in the claiming transaction.

Several relays may run: rows are claimed with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL,
MariaDB; SQLite has one writer at a time), and a relay leaves a document's rows alone while
an earlier undelivered row of that document is held by another relay, so each document's
events reach the broker in order. A relay killed after publishing but before its commit
leaves the rows undelivered: they are published again (at least once on the wire) and the
consumers drop the duplicate by message id."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, close_old_connections, transaction
from django.utils import timezone

from .amqp import BROKER_ERRORS, Publisher
from .contract import build_envelope, encode
from .models import OutboxEvent
from .services import prune_delivered

log = logging.getLogger(__name__)


def claim_batch(limit: int) -> list[OutboxEvent]:
    """Lock up to ``limit`` undelivered rows no other relay holds, minus those whose
    document has an earlier undelivered row that is not ours. Inside a transaction."""
    rows = list(OutboxEvent.objects.select_for_update(skip_locked=True)
                .filter(published_at__isnull=True).order_by("id")[:limit])
    if not rows:
        return rows
    ours = {row.pk for row in rows}
    earlier_elsewhere = (OutboxEvent.objects
                         .filter(published_at__isnull=True, id__lt=rows[-1].pk,
                                 aggregate_id__in={row.aggregate_id for row in rows})
                         .exclude(id__in=ours).values_list("aggregate_type", "aggregate_id", "id"))
    first_blocked: dict[tuple[str, int], int] = {}
    for aggregate_type, aggregate_id, row_id in earlier_elsewhere:
        key = (aggregate_type, aggregate_id)
        first_blocked[key] = min(row_id, first_blocked.get(key, row_id))
    return [row for row in rows
            if first_blocked.get((row.aggregate_type, row.aggregate_id), row.pk + 1) > row.pk]


def mark_delivered(ids: list[int]) -> None:
    OutboxEvent.objects.filter(id__in=ids).update(published_at=timezone.now())


def relay_batch(publisher: Publisher, *, batch_size: int = 200) -> int:
    """Publish one claimed batch; returns how many rows were delivered. A broker failure
    mid-batch still marks the rows confirmed before it, then re-raises."""
    failure: BaseException | None = None
    with transaction.atomic():
        rows = claim_batch(batch_size)
        confirmed: list[int] = []
        for row in rows:
            envelope = build_envelope(row)
            try:
                publisher.publish(row.event_type, encode(envelope), message_id=envelope["id"],
                                  message_type=row.event_type,
                                  headers={"version": envelope["version"]})
            except BROKER_ERRORS as exc:
                failure = exc
                break  # later rows may be of the same document: keep the order
            confirmed.append(row.pk)
        if confirmed:
            mark_delivered(confirmed)
    if failure is not None:
        raise failure
    return len(confirmed)


class Relay:
    """The long-running loop of `wms-sales relay`: reconnects after broker or database
    failures, sleeps ``poll_interval`` when idle, prunes delivered rows now and then."""

    def __init__(self, *, batch_size: int = 200, poll_interval: float = 0.1,
                 prune_every: float = 600.0, url: str | None = None,
                 exchange: str | None = None,
                 on_batch: Callable[[int], None] | None = None) -> None:
        self.batch_size, self.poll_interval, self.prune_every = (batch_size, poll_interval,
                                                                 prune_every)
        self.url, self.exchange = url, exchange or settings.AMQP_EXCHANGE
        self.on_batch = on_batch
        self.stopping = threading.Event()
        self.publisher: Publisher | None = None
        self.delivered = 0

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def _publisher(self) -> Publisher:
        if self.publisher is None:
            self.publisher = Publisher(self.exchange, self.url)
        return self.publisher

    def _drop_publisher(self) -> None:
        if self.publisher is not None:
            self.publisher.close()
            self.publisher = None

    def run(self, *, until_idle: bool = False) -> int:
        """Relay until stopped (or, with ``until_idle``, until no row is left to claim)."""
        next_prune, backoff = time.monotonic(), self.poll_interval
        try:
            while not self.stopping.is_set():
                try:
                    if time.monotonic() >= next_prune:
                        prune_delivered()
                        next_prune = time.monotonic() + self.prune_every
                    count = relay_batch(self._publisher(), batch_size=self.batch_size)
                    backoff = self.poll_interval
                except BROKER_ERRORS as exc:
                    self._drop_publisher()
                    if until_idle:
                        raise
                    log.warning("broker unavailable (%s); events wait in the outbox", exc)
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2 + 0.5, 30.0)
                    continue
                except DatabaseError as exc:
                    log.warning("database unavailable (%s); retrying", exc)
                    close_old_connections()
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2 + 0.5, 30.0)
                    continue
                self.delivered += count
                if self.on_batch and count:
                    self.on_batch(count)
                if count < self.batch_size:
                    if until_idle and count == 0:
                        break
                    self.stopping.wait(self.poll_interval if count == 0 else 0)
        finally:
            self._drop_publisher()
        return self.delivered
