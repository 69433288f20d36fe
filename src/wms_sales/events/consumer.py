"""The loop of `wms-sales consume`: one durable queue bound to the exchanges the registered
handlers listen on; each message is applied in one transaction (with its processed id) and
acknowledged only after that commit. A message that can never apply goes to
``<queue>.dead-letter`` at once, with the reason; one that fails otherwise is retried up to
the configured number of attempts, then dead-lettered. A database outage does not count as
an attempt: the message waits until the database is back."""

from __future__ import annotations

import json
import logging
import signal
import threading
from dataclasses import dataclass
from typing import Any

import pika
from django.conf import settings
from django.db import InterfaceError, OperationalError, close_old_connections

from . import consumers
from .amqp import BROKER_ERRORS, connect, declare_topic
from .consumers import Outcome, PermanentFailure

log = logging.getLogger(__name__)
ATTEMPTS_HEADER = "x-attempts"
REASON_HEADER = "x-dead-letter-reason"


@dataclass
class Counts:
    applied: int = 0
    duplicates: int = 0
    retried: int = 0
    dead_lettered: int = 0

    @property
    def handled(self) -> int:
        return self.applied + self.duplicates + self.dead_lettered


class Consumer:
    def __init__(self, *, url: str | None = None, queue: str | None = None,
                 max_attempts: int | None = None, prefetch: int = 50,
                 retry_delay: float = 0.5) -> None:
        self.url = url
        self.queue = queue or settings.AMQP_QUEUE
        self.dead_letter_queue = f"{self.queue}.dead-letter"
        self.max_attempts = max_attempts or settings.CONSUMER_MAX_ATTEMPTS
        self.prefetch, self.retry_delay = prefetch, retry_delay
        self.stopping = threading.Event()
        self.counts = Counts()
        self.connection: pika.BlockingConnection | None = None

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    # --- topology ------------------------------------------------------------------------

    def exchanges(self) -> dict[str, str]:
        """Exchange name -> the setting naming it, for every exchange a handler listens on."""
        return {getattr(settings, h.exchange): h.exchange for h in consumers.registered()}

    def _open(self) -> Any:
        self.connection = connect(self.url)
        channel = self.connection.channel()
        channel.confirm_delivery()  # retries and dead letters are confirmed before the ack
        channel.basic_qos(prefetch_count=self.prefetch)
        channel.queue_declare(queue=self.queue, durable=True)
        channel.queue_declare(queue=self.dead_letter_queue, durable=True)
        for exchange, setting in self.exchanges().items():
            declare_topic(channel, exchange)
            if setting == "AMQP_INBOUND_EXCHANGE":
                # Everything the warehouse publishes is for us: an unknown type arrives and
                # is dead-lettered with its reason rather than silently unrouted.
                patterns = {"#"}
            else:
                patterns = {t for h in consumers.registered() if h.exchange == setting
                            for t in h.event_types}
            for pattern in sorted(patterns):
                channel.queue_bind(queue=self.queue, exchange=exchange, routing_key=pattern)
        return channel

    def _close(self) -> None:
        if self.connection is not None:
            try:
                if self.connection.is_open:
                    self.connection.close()
            except BROKER_ERRORS:
                log.debug("closing a broken broker connection", exc_info=True)
            self.connection = None

    def _pause(self, seconds: float) -> None:
        # Through the connection, which keeps answering the broker's heartbeats meanwhile.
        if self.connection is None:
            raise RuntimeError("messages are handled inside run(), on an open connection")
        self.connection.sleep(seconds)

    # --- one message -----------------------------------------------------------------------

    def apply(self, exchange: str, properties: Any, body: bytes) -> Outcome:
        """Apply one message with every handler of its type; raises PermanentFailure."""
        headers = properties.headers or {}
        exchange = headers.get("x-original-exchange", exchange)
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise PermanentFailure(f"the body is not JSON: {exc}") from exc
        if not isinstance(envelope, dict):
            raise PermanentFailure("the body is not a JSON object")
        message_id = properties.message_id or envelope.get("id")
        if not message_id or not isinstance(message_id, str):
            raise PermanentFailure("the message has no id (message_id property or envelope id)")
        if properties.message_id and envelope.get("id") != properties.message_id:
            raise PermanentFailure(f"message_id {properties.message_id!r} differs from the "
                                   f"envelope id {envelope.get('id')!r}")
        setting = self.exchanges().get(exchange)
        event_type = envelope.get("type")
        handlers = (consumers.handlers_for(setting, event_type)
                    if setting and isinstance(event_type, str) else [])
        if not handlers:
            raise PermanentFailure(f"no handler for type {envelope.get('type')!r} "
                                   f"on exchange {exchange!r}")
        outcomes = [consumers.apply_message(h, envelope, message_id) for h in handlers]
        return (Outcome.APPLIED if Outcome.APPLIED in outcomes else Outcome.DUPLICATE)

    def _republish(self, channel: Any, routing_key: str, method: Any, properties: Any,
                   body: bytes, extra: dict[str, Any]) -> None:
        headers = dict(properties.headers or {})
        headers.setdefault("x-original-exchange", method.exchange)
        headers.setdefault("x-original-routing-key", method.routing_key)
        headers.update(extra)
        channel.basic_publish(exchange="", routing_key=routing_key, body=body,
                              properties=pika.BasicProperties(
                                  content_type=properties.content_type,
                                  delivery_mode=pika.DeliveryMode.Persistent,
                                  message_id=properties.message_id, type=properties.type,
                                  headers=headers))

    def handle(self, channel: Any, method: Any, properties: Any, body: bytes) -> None:
        try:
            outcome = self.apply(method.exchange, properties, body)
        except PermanentFailure as exc:
            log.warning("dead-lettering %s: %s", properties.message_id, exc)
            self._republish(channel, self.dead_letter_queue, method, properties, body,
                            {REASON_HEADER: str(exc)[:1000]})
            self.counts.dead_lettered += 1
        except (OperationalError, InterfaceError) as exc:
            log.warning("database unavailable (%s); the message waits", exc)
            close_old_connections()
            self._pause(self.retry_delay * 4)
            channel.basic_nack(delivery_tag=method.delivery_tag, requeue=True)
            return
        except Exception as exc:
            attempts = int((properties.headers or {}).get(ATTEMPTS_HEADER, 0)) + 1
            log.exception("handler failed on %s (attempt %d of %d)", properties.message_id,
                          attempts, self.max_attempts)
            reason = f"failed {attempts} time(s), last: {type(exc).__name__}: {exc}"
            if attempts >= self.max_attempts:
                self._republish(channel, self.dead_letter_queue, method, properties, body,
                                {REASON_HEADER: reason[:1000], ATTEMPTS_HEADER: attempts})
                self.counts.dead_lettered += 1
            else:
                self._pause(self.retry_delay * attempts)
                self._republish(channel, self.queue, method, properties, body,
                                {ATTEMPTS_HEADER: attempts})
                self.counts.retried += 1
        else:
            if outcome is Outcome.APPLIED:
                self.counts.applied += 1
            else:
                self.counts.duplicates += 1
        channel.basic_ack(delivery_tag=method.delivery_tag)

    # --- the loop ----------------------------------------------------------------------------

    def run(self, *, until_idle: bool = False, idle_timeout: float = 0.5) -> Counts:
        """Consume until stopped (or, with ``until_idle``, until the queue stays empty for
        ``idle_timeout`` seconds). Reconnects after a broker failure."""
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                channel = self._open()
                backoff = 0.5
                for method, properties, body in channel.consume(
                        self.queue, inactivity_timeout=idle_timeout):
                    if method is None:
                        if until_idle or self.stopping.is_set():
                            break
                        continue
                    self.handle(channel, method, properties, body)
                    if self.stopping.is_set():
                        break
                channel.cancel()
                self._close()
                if until_idle:
                    break
            except BROKER_ERRORS as exc:
                self._close()
                if until_idle:
                    raise
                log.warning("broker unavailable (%s); reconnecting", exc)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self._close()
        return self.counts
