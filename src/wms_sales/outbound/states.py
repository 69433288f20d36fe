"""The life of an outbound document (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.lifecycle.documents import Lifecycle, Stamp

from .errors import OutboundError
from .models import Outbound
from .models import OutboundStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.POSTED, S.CANCELLED}),
    S.POSTED: frozenset(),
    S.CANCELLED: frozenset(),
}

# shipped_at is the time the goods left (given by the caller), not the posting's own time.
OUTBOUND_LIFE: Lifecycle[Outbound] = Lifecycle(
    model=Outbound, document_type="outbound", event_prefix="outbound", label="outbound",
    noun="Outbound", not_found_code=OutboundError.OUTBOUND_NOT_FOUND, transitions=TRANSITIONS,
    stamps={S.POSTED: Stamp(by="posted_by")})


def check_transition(from_status: str, to_status: str) -> None:
    OUTBOUND_LIFE.check(from_status, to_status)
