"""The API shape of a history entry, the same for every document type."""

from __future__ import annotations

from datetime import datetime

from wms_sales.common.schemas import Schema


class HistoryEntryOut(Schema):
    event: str
    from_status: str  # "" for the entry that created the document
    to_status: str
    actor: str | None  # the user's name; None for the system (CLI, relay, consumers)
    reason: str
    at: datetime

    @staticmethod
    def resolve_actor(obj) -> str | None:
        return obj.actor.username if obj.actor_id else None
