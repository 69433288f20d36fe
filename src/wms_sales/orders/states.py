"""The life of a sales order as data (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.common.errors import Conflict

from .models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SHIPPING, S.COMPLETED, S.CANCELLED}),
    S.SHIPPING: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}


class InvalidTransition(Conflict):
    code = "invalid_transition"

    def __init__(self, from_status: str, to_status: str) -> None:
        super().__init__(f"An order in status '{from_status}' cannot become '{to_status}'.",
                         details={"from": from_status, "to": to_status})


def check_transition(from_status: str, to_status: str) -> None:
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise InvalidTransition(from_status, to_status)
