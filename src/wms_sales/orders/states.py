"""The life of a sales order as data (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.common import states
from wms_sales.common.states import InvalidTransition

from .models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SHIPPING, S.COMPLETED, S.CANCELLED}),
    S.SHIPPING: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

__all__ = ["TRANSITIONS", "InvalidTransition", "check_transition"]


def check_transition(from_status: str, to_status: str) -> None:
    states.check_transition(TRANSITIONS, from_status, to_status, "sales order")
