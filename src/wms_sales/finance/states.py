"""The lives of credit notes and payments. A credit note's status follows what is used of it;
a payment's allocation state follows its allocations. Each step is one history row, even one
that leaves the state as it was (a second partial use), so every use has its actor."""

from __future__ import annotations

from decimal import Decimal

from wms_sales.lifecycle.documents import Lifecycle

from .errors import FinanceError
from .models import CreditNote, Payment, PaymentState
from .models import CreditNoteStatus as C

CREDIT_NOTE_TRANSITIONS: dict[str, frozenset[str]] = {
    C.OPEN: frozenset({C.PARTIALLY_USED, C.USED}),
    C.PARTIALLY_USED: frozenset({C.PARTIALLY_USED, C.USED}),
    C.USED: frozenset(),
}

P = PaymentState
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.UNALLOCATED: frozenset({P.UNALLOCATED, P.PARTIALLY_ALLOCATED, P.ALLOCATED}),
    P.PARTIALLY_ALLOCATED: frozenset({P.UNALLOCATED, P.PARTIALLY_ALLOCATED, P.ALLOCATED}),
    P.ALLOCATED: frozenset({P.UNALLOCATED, P.PARTIALLY_ALLOCATED}),
    P.REFUND: frozenset({P.REFUND}),  # an empty allocation call changes nothing
}

CREDIT_NOTE_LIFE: Lifecycle[CreditNote] = Lifecycle(
    model=CreditNote, document_type="credit_note", event_prefix="credit_note",
    label="credit note", noun="Credit note", not_found_code=FinanceError.CREDIT_NOTE_NOT_FOUND,
    transitions=CREDIT_NOTE_TRANSITIONS)

PAYMENT_LIFE: Lifecycle[Payment] = Lifecycle(
    model=Payment, document_type="payment", event_prefix="payment", label="payment",
    noun="Payment", not_found_code=FinanceError.PAYMENT_NOT_FOUND, transitions=PAYMENT_TRANSITIONS)


def payment_state(amount: Decimal, allocated: Decimal) -> str:
    if amount < 0:
        return PaymentState.REFUND
    if allocated <= 0:
        return PaymentState.UNALLOCATED
    return PaymentState.ALLOCATED if allocated >= amount else PaymentState.PARTIALLY_ALLOCATED
