"""The life of an outbound document (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.common import states

from .models import OutboundStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.DRAFT: frozenset({S.POSTED, S.CANCELLED}),
    S.POSTED: frozenset(),
    S.CANCELLED: frozenset(),
}


def check_transition(from_status: str, to_status: str) -> None:
    states.check_transition(TRANSITIONS, from_status, to_status, "outbound")
