"""The life of a return (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.lifecycle.documents import Lifecycle, Stamp

from .errors import ReturnError
from .models import ReturnStatus as S
from .models import SalesReturn

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.RECEIVED}),
    S.REJECTED: frozenset(),
    S.RECEIVED: frozenset(),
}

RETURN_LIFE: Lifecycle[SalesReturn] = Lifecycle(
    model=SalesReturn, document_type="sales_return", event_prefix="return", label="return",
    noun="Return", not_found_code=ReturnError.RETURN_NOT_FOUND, transitions=TRANSITIONS,
    stamps={S.APPROVED: Stamp(by="reviewed_by", at="reviewed_at"),
            S.REJECTED: Stamp(by="reviewed_by", at="reviewed_at"),
            S.RECEIVED: Stamp(by="received_by", at="received_at")})


def check_transition(from_status: str, to_status: str) -> None:
    RETURN_LIFE.check(from_status, to_status)
