"""The life of a sales order as data (DESIGN.md §3)."""

from __future__ import annotations

from wms_sales.common.states import InvalidTransition
from wms_sales.lifecycle.documents import Lifecycle, Stamp

from .errors import OrderError
from .models import OrderStatus as S
from .models import SalesOrder

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.SHIPPING, S.COMPLETED, S.CANCELLED}),
    S.SHIPPING: frozenset({S.COMPLETED}),
    S.COMPLETED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

ORDER_LIFE: Lifecycle[SalesOrder] = Lifecycle(
    model=SalesOrder, document_type="sales_order", event_prefix="order", label="sales order",
    noun="Order", not_found_code=OrderError.ORDER_NOT_FOUND, transitions=TRANSITIONS,
    stamps={S.APPROVED: Stamp(by="reviewed_by", at="reviewed_at"),
            S.REJECTED: Stamp(by="reviewed_by", at="reviewed_at")})

__all__ = ["ORDER_LIFE", "TRANSITIONS", "InvalidTransition", "check_transition"]


def check_transition(from_status: str, to_status: str) -> None:
    ORDER_LIFE.check(from_status, to_status)
