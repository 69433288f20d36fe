"""The life of a return (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.common import states

from .models import ReturnStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED}),
    S.APPROVED: frozenset({S.RECEIVED}),
    S.REJECTED: frozenset(),
    S.RECEIVED: frozenset(),
}


def check_transition(from_status: str, to_status: str) -> None:
    states.check_transition(TRANSITIONS, from_status, to_status, "return")
