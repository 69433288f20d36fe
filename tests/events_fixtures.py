"""The real RabbitMQ as a fixture, with this run's own exchange and queue names."""

from __future__ import annotations

import pytest

from events_helpers import AMQP_URL, Rabbit


@pytest.fixture
def rabbit(settings):
    """The real RabbitMQ with this run's own exchanges set in the settings (skips, saying
    why, when the broker is unreachable)."""
    from wms_sales.events.amqp import BROKER_ERRORS

    try:
        broker = Rabbit()
    except BROKER_ERRORS as exc:
        pytest.skip(f"RabbitMQ is not reachable at {AMQP_URL}: {exc!r}")
    settings.AMQP_URL = AMQP_URL
    settings.AMQP_EXCHANGE = broker.exchange("wms.sales")
    settings.AMQP_INBOUND_EXCHANGE = broker.exchange("wms.inventory")
    settings.AMQP_QUEUE = broker.name("wms-sales.inbound")
    broker.queues += [settings.AMQP_QUEUE, f"{settings.AMQP_QUEUE}.dead-letter"]
    yield broker
    broker.close()
