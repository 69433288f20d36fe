"""Receivables use cases: raising invoices (called by documents that ship), recording and
allocating payments. One transaction each; invoices are locked in id order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from wms_sales.common.actors import Actor, user_of
from wms_sales.common.db import insert_object, insert_values, retry_transaction
from wms_sales.common.errors import NotFound, ValidationFailed
from wms_sales.common.money import PricedLine, cents_or_none, to_cents
from wms_sales.common.numbering import document_number
from wms_sales.common.validation import FieldErrors
from wms_sales.customers.models import Customer, PaymentMethod
from wms_sales.events.services import record_event

from .errors import FinanceError
from .models import (
    CreditApplication,
    CreditNote,
    CreditNoteLine,
    CreditNoteStatus,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Payment,
    PaymentAllocation,
    PaymentState,
)
from .states import CREDIT_NOTE_LIFE, PAYMENT_LIFE, payment_state


def _totals(lines: Sequence[PricedLine]) -> tuple[Decimal, Decimal]:
    return (sum((line.net_amount for line in lines), Decimal(0)),
            sum((line.tax_amount for line in lines), Decimal(0)))


def _line_rows(parent: str, parent_id: int, lines: Sequence[PricedLine]
               ) -> list[dict[str, Any]]:
    """An invoice's or credit note's lines as rows: a 1,000-line document builds no model
    object per line."""
    return [{parent: parent_id, "line_no": n, **line.__dict__}
            for n, line in enumerate(lines, start=1)]


# Part of the calling document's transaction, which no caller continues after a failure:
# no savepoint (two round trips) of its own.
@transaction.atomic(savepoint=False)
def issue_invoice(*, actor: Actor, customer: Customer, source_type: str, source_id: int,
                  source_ref: str, order_ref: str, issue_date: date,
                  lines: Sequence[PricedLine]) -> Invoice:
    """Raise the invoice for a shipment; due date from the customer's payment terms."""
    net, tax = _totals(lines)
    invoice = insert_object(Invoice(
        number=document_number("INV", issue_date), customer=customer, source_type=source_type,
        source_id=source_id, source_ref=source_ref, order_ref=order_ref, issue_date=issue_date,
        due_date=issue_date + timedelta(days=customer.payment_terms_days), net_amount=net,
        tax_amount=tax, total_amount=net + tax, created_by=user_of(actor)))
    insert_values(InvoiceLine, _line_rows("invoice_id", invoice.pk, lines))
    record_event(event_type="invoice.issued", aggregate_type="invoice", aggregate_id=invoice.pk,
                 payload={"invoice_id": invoice.pk, "number": invoice.number,
                          "customer": {"id": customer.pk, "code": customer.code},
                          "source": source_ref, "order": order_ref,
                          "net_amount": net, "tax_amount": tax, "total_amount": net + tax,
                          "due_date": invoice.due_date})
    return invoice


def refresh_status(invoice: Invoice) -> None:
    settled = invoice.paid_amount + invoice.credited_amount
    invoice.status = (InvoiceStatus.PAID if settled >= invoice.total_amount
                      else InvoiceStatus.PARTIALLY_PAID if settled > 0 else InvoiceStatus.OPEN)


def _allocate(payment: Payment, allocations: Sequence[dict[str, Any]],
              already_allocated: Decimal) -> Decimal:
    """Allocate parts of a payment to open invoices of its customer (validated as a whole);
    returns the amount allocated."""
    if not allocations:
        return Decimal(0)  # unallocated money on account, or a refund paid out
    wanted: dict[object, Decimal] = {}  # by invoice id as sent: ids that are no int fail below
    errors = FieldErrors()
    for index, allocation in enumerate(allocations):
        amount = cents_or_none(allocation.get("amount", 0))
        if amount is None or amount <= 0:
            errors.add(f"allocations[{index}].amount",
                       "Must be a positive amount with at most 2 decimals.")
            amount = Decimal(0)
        wanted[allocation.get("invoice_id")] = wanted.get(allocation.get("invoice_id"),
                                                          Decimal(0)) + amount
    invoices: dict[object, Invoice] = {inv.pk: inv for inv in Invoice.objects.select_for_update()
                .filter(pk__in=[k for k in wanted if isinstance(k, int)]).order_by("pk")}
    for index, allocation in enumerate(allocations):
        invoice = invoices.get(allocation.get("invoice_id"))
        at = f"allocations[{index}]."
        if invoice is None or invoice.customer_id != payment.customer_id:
            errors.add(at + "invoice_id", f"Invoice {allocation.get('invoice_id')} is not an "
                                          "invoice of this customer.")
        elif wanted[invoice.pk] > invoice.open_amount:
            errors.add(at + "amount",
                       f"{invoice.number} has only {invoice.open_amount} open.")
    total = sum(wanted.values(), Decimal(0))
    if payment.amount < 0 and allocations:
        errors.add("allocations", "A refund cannot be allocated to invoices.")
    elif already_allocated + total > payment.amount:
        errors.add("allocations", f"Allocations of {total} exceed the unallocated "
                                  f"{payment.amount - already_allocated}.")
    errors.raise_if_any()
    for invoice_id, amount in wanted.items():
        invoice = invoices[invoice_id]
        invoice.paid_amount += amount
        refresh_status(invoice)
        invoice.save(update_fields=["paid_amount", "status"])
        PaymentAllocation.objects.create(payment=payment, invoice=invoice, amount=amount)
    return total


@retry_transaction
def record_payment(*, actor: Actor, customer_id: int, amount: Any, method: str,
                   received_on: date | None = None, reference: str = "", note: str = "",
                   allocations: Sequence[dict[str, Any]] = ()) -> Payment:
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        raise ValidationFailed({"customer_id": f"Customer {customer_id} does not exist."})
    amount = cents_or_none(amount)
    if not amount:
        raise ValidationFailed({"amount": "Must be a non-zero amount with at most 2 decimals."})
    if method not in PaymentMethod.values:
        raise ValidationFailed({"method": f"Choose one of {', '.join(PaymentMethod.values)}."})
    received_on = received_on or timezone.localdate()
    payment = Payment.objects.create(
        number=document_number("PAY", received_on), customer=customer, amount=amount,
        method=method, received_on=received_on, reference=reference, note=note,
        created_by=user_of(actor))
    allocated = _allocate(payment, allocations, Decimal(0))
    PAYMENT_LIFE.created(payment, actor=actor, event="recorded",
                         status=payment_state(payment.amount, allocated),
                         payload=_payment_payload)
    return payment


@retry_transaction
def allocate_payment(*, actor: Actor, payment_id: int,
                     allocations: Sequence[dict[str, Any]]) -> Payment:
    """Allocate what is still unallocated of an earlier payment."""
    payment = PAYMENT_LIFE.lock(payment_id)
    already = sum(payment.allocations.values_list("amount", flat=True), Decimal(0))
    allocated = already + _allocate(payment, allocations, already)
    _payment_step(payment, actor, "allocated", already, allocated)
    return payment


@retry_transaction
def unallocate_payment(*, actor: Actor, payment_id: int, allocation_id: int) -> Payment:
    """Take back one allocation of a payment: its invoice is open again by that amount and
    the money is unallocated on the customer's account (an allocation made in error)."""
    payment = PAYMENT_LIFE.lock(payment_id)
    allocation = payment.allocations.filter(pk=allocation_id).first()
    if allocation is None:
        raise NotFound(f"Payment {payment.number} has no allocation {allocation_id}.",
                       code=FinanceError.ALLOCATION_NOT_FOUND)
    invoice = Invoice.objects.select_for_update().get(pk=allocation.invoice_id)
    invoice.paid_amount -= allocation.amount
    refresh_status(invoice)
    invoice.save(update_fields=["paid_amount", "status"])
    already = sum(payment.allocations.values_list("amount", flat=True), Decimal(0))
    allocation.delete()
    _payment_step(payment, actor, "unallocated", already, already - allocation.amount,
                  reason=invoice.number)
    return payment


def _payment_step(payment: Payment, actor: Actor, event: str, before: Decimal,
                  after: Decimal, reason: str = "") -> None:
    """The history row and event of a change of a payment's allocations."""
    from_state = payment_state(payment.amount, before)
    to_state = payment_state(payment.amount, after)
    PAYMENT_LIFE.check(from_state, to_state)
    PAYMENT_LIFE.record(payment, from_status=from_state, to_status=to_state, actor=actor,
                        event=event, reason=reason, payload=_payment_payload)


def _payment_payload(payment: Payment) -> dict[str, Any]:
    return {"payment_id": payment.pk, "number": payment.number,
            "customer_id": payment.customer_id, "amount": payment.amount,
            "allocations": [{"invoice_id": a.invoice_id, "amount": a.amount}
                            for a in payment.allocations.all()]}


# Part of the calling document's transaction, which no caller continues after a failure:
# no savepoint (two round trips) of its own.
@transaction.atomic(savepoint=False)
def issue_credit_note(*, actor: Actor, customer: Customer, source_type: str, source_id: int,
                      source_ref: str, order_ref: str, issue_date: date,
                      lines: Sequence[PricedLine]) -> CreditNote:
    """Raise a credit note (e.g. for a received return); it lowers the balance at once."""
    net, tax = _totals(lines)
    note = insert_object(CreditNote(
        number=document_number("CN", issue_date), customer=customer, source_type=source_type,
        source_id=source_id, source_ref=source_ref, order_ref=order_ref, issue_date=issue_date,
        net_amount=net, tax_amount=tax, total_amount=net + tax, created_by=user_of(actor)))
    insert_values(CreditNoteLine, _line_rows("credit_note_id", note.pk, lines))
    CREDIT_NOTE_LIFE.created(note, actor=actor, event="issued", reason=source_ref,
                             payload=_credit_note_payload)
    return note


def _credit_note_payload(note: CreditNote) -> dict[str, Any]:
    return {"credit_note_id": note.pk, "number": note.number,
            "customer_id": note.customer_id, "source": note.source_ref,
            "order": note.order_ref, "total_amount": note.total_amount,
            "applied_amount": note.applied_amount,
            "refunded_amount": note.refunded_amount, "status": note.status}


def _credit_status(note: CreditNote) -> str:
    used = note.applied_amount + note.refunded_amount
    return (CreditNoteStatus.USED if used >= note.total_amount
            else CreditNoteStatus.PARTIALLY_USED if used > 0 else CreditNoteStatus.OPEN)


def _positive_cents(value: Any, field: str) -> Decimal:
    amount = cents_or_none(value)
    if amount is None or amount <= 0:
        raise ValidationFailed({field: "Must be a positive amount with at most 2 decimals."})
    return to_cents(amount)


@retry_transaction
def apply_credit_note(*, actor: Actor, credit_note_id: int, invoice_id: int,
                      amount: Any = None) -> CreditNote:
    """Set (part of) a credit note against an open invoice of the same customer; without an
    amount, as much as both allow."""
    note = CREDIT_NOTE_LIFE.lock(credit_note_id)
    invoice = Invoice.objects.select_for_update().filter(pk=invoice_id).first()
    if invoice is None or invoice.customer_id != note.customer_id:
        raise ValidationFailed({"invoice_id": f"Invoice {invoice_id} is not an invoice of "
                                              "this credit note's customer."})
    amount = (_positive_cents(amount, "amount") if amount is not None
              else min(note.remaining_amount, invoice.open_amount))
    errors = FieldErrors()
    if amount > note.remaining_amount:
        errors.add("amount", f"{note.number} has only {note.remaining_amount} left.")
    elif amount > invoice.open_amount:
        errors.add("amount", f"{invoice.number} has only {invoice.open_amount} open.")
    elif amount <= 0:
        errors.add("amount", "Nothing left to apply.")
    errors.raise_if_any()
    invoice.credited_amount += amount
    refresh_status(invoice)
    invoice.save(update_fields=["credited_amount", "status"])
    note.applied_amount += amount
    CreditApplication.objects.create(credit_note=note, invoice=invoice, amount=amount)
    CREDIT_NOTE_LIFE.transition(note, _credit_status(note), actor=actor, event="applied",
                                reason=invoice.number, fields=["applied_amount"],
                                payload=_credit_note_payload)
    return note


@retry_transaction
def refund_credit_note(*, actor: Actor, credit_note_id: int, amount: Any,
                       method: str = PaymentMethod.BANK_TRANSFER, reference: str = "",
                       paid_on: date | None = None) -> Payment:
    """Pay (part of) a credit note out: recorded as a negative payment."""
    note = CREDIT_NOTE_LIFE.lock(credit_note_id)
    amount = _positive_cents(amount, "amount")
    if amount > note.remaining_amount:
        raise ValidationFailed({"amount": f"{note.number} has only {note.remaining_amount} left."})
    if method not in PaymentMethod.values:
        raise ValidationFailed({"method": f"Choose one of {', '.join(PaymentMethod.values)}."})
    paid_on = paid_on or timezone.localdate()
    refund = Payment.objects.create(
        number=document_number("PAY", paid_on), customer_id=note.customer_id, amount=-amount,
        method=method, received_on=paid_on, reference=reference,
        note=f"refund of {note.number}", credit_note=note, created_by=user_of(actor))
    note.refunded_amount += amount
    CREDIT_NOTE_LIFE.transition(note, _credit_status(note), actor=actor, event="refunded",
                                reason=refund.number, fields=["refunded_amount"],
                                payload=_credit_note_payload)
    PAYMENT_LIFE.created(refund, actor=actor, event="refunded", status=PaymentState.REFUND,
                         reason=note.number, payload=_payment_payload)
    return refund
