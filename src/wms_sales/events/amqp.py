"""RabbitMQ through pika: one blocking connection per process, publisher confirms on."""

from __future__ import annotations

import logging
from typing import Any

import pika
from django.conf import settings

log = logging.getLogger(__name__)

# What a lost or refused broker raises: the relay and consumer reconnect on these.
BROKER_ERRORS: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError, OSError)


def connect(url: str | None = None, *, timeout: float = 5.0) -> pika.BlockingConnection:
    parameters = pika.URLParameters(url or settings.AMQP_URL)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = 30
    parameters.connection_attempts = 1
    parameters.heartbeat = 30
    return pika.BlockingConnection(parameters)


def declare_topic(channel: Any, exchange: str) -> None:
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)


def broker_status(url: str | None = None) -> str:
    """"disabled" (no WMS_AMQP_URL), "ok", or "unreachable: why"."""
    url = url or settings.AMQP_URL
    if not url:
        return "disabled"
    try:
        connect(url, timeout=2.0).close()
    except BROKER_ERRORS as exc:
        return f"unreachable: {type(exc).__name__} {exc}".strip()
    return "ok"


class Publisher:
    """Publishes JSON messages persistently; ``publish`` returns only once the broker has
    confirmed the message (pika raises if it refuses it)."""

    def __init__(self, exchange: str, url: str | None = None) -> None:
        self.exchange = exchange
        self.connection = connect(url)
        self.channel = self.connection.channel()
        self.channel.confirm_delivery()
        declare_topic(self.channel, exchange)

    def publish(self, routing_key: str, body: bytes, *, message_id: str, message_type: str,
                headers: dict[str, Any] | None = None, exchange: str | None = None) -> None:
        self.channel.basic_publish(
            exchange=self.exchange if exchange is None else exchange, routing_key=routing_key,
            body=body, properties=pika.BasicProperties(
                content_type="application/json", delivery_mode=pika.DeliveryMode.Persistent,
                message_id=message_id, type=message_type, headers=headers or {}))

    def close(self) -> None:
        try:
            if self.connection.is_open:
                self.connection.close()
        except BROKER_ERRORS:
            log.debug("closing a broken broker connection", exc_info=True)
