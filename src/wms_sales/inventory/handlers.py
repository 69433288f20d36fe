"""The inbound direction: stock events the warehouse publishes on ``wms.inventory``."""

from __future__ import annotations

from typing import Any

from wms_sales.events.consumers import handles

from .services import WAREHOUSE_EVENTS, apply_warehouse_stock_event


@handles("AMQP_INBOUND_EXCHANGE", *WAREHOUSE_EVENTS)
def apply_stock_event(envelope: dict[str, Any]) -> None:
    payload = envelope["payload"]
    apply_warehouse_stock_event(
        event_type=envelope["type"], message_id=str(envelope["id"]), sku=payload["sku"],
        warehouse_code=payload["warehouse"], quantity=payload["quantity"],
        reference=payload["reference"], note=payload.get("note", ""))
