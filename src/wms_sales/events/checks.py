"""What `wms-sales check` reports about the outbox (information, not an invariant: events
wait there while the broker is away)."""

from .services import broker_enabled, outbox_backlog


def outbox_summary() -> str:
    backlog, oldest = outbox_backlog()
    delivery = "relay to RabbitMQ" if broker_enabled() else "in-process delivery"
    age = f", oldest {oldest:.0f} s old" if oldest is not None else ""
    return f"{backlog} event(s) waiting{age} ({delivery})"


INFO = [("outbox", outbox_summary)]
