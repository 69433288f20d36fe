from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from wms_sales.common.compiled import CompiledRead
from wms_sales.common.errors import NotFound
from wms_sales.common.money import to_cents
from wms_sales.customers.models import Customer
from wms_sales.customers.selectors import number_or_customer
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.selectors import document_history

from .errors import FinanceError
from .models import CreditNote, CreditNoteStatus, Invoice, InvoiceStatus, Payment, PaymentAllocation
from .states import CREDIT_NOTE_LIFE, PAYMENT_LIFE

AGING_BUCKETS = (("current", None, 0), ("1_30", 1, 30), ("31_60", 31, 60), ("61_90", 61, 90),
                 ("over_90", 91, None))


SUMMED_MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=18, decimal_places=2)
OPEN_AMOUNT = Sum(F("total_amount") - F("paid_amount") - F("credited_amount"))


def _sum(qs: QuerySet, field: str) -> Decimal:
    return qs.aggregate(total=Sum(field))["total"] or Decimal(0)


def _total(qs: QuerySet, amount: Any) -> Coalesce:
    """``qs`` summed per customer, as a scalar subquery of the customer's row (0 when empty)."""
    summed = (qs.filter(customer_id=OuterRef("pk")).order_by().values("customer_id")
              .annotate(total=Sum(amount, output_field=SUMMED_MONEY)).values("total"))
    return Coalesce(Subquery(summed, output_field=SUMMED_MONEY), Value(Decimal(0)),
                    output_field=SUMMED_MONEY)


def customer_balance(customer_id: int) -> dict[str, Decimal]:
    """Balance = invoiced − credited − paid (a refund is a negative payment). The six sums
    are scalar subqueries of one statement: the credit check runs this on every approval."""
    allocations = (PaymentAllocation.objects.filter(payment__amount__gt=0)
                   .annotate(customer_id=F("payment__customer_id")))
    sums = (Customer.objects.filter(pk=customer_id).values("pk").annotate(
        invoiced=_total(Invoice.objects.all(), "total_amount"),
        credited=_total(CreditNote.objects.all(), "total_amount"),
        paid=_total(Payment.objects.all(), "amount"),
        allocated=_total(allocations, "amount"),
        received=_total(Payment.objects.filter(amount__gt=0), "amount"),
        open_invoices=_total(Invoice.objects.exclude(status=InvoiceStatus.PAID),
                             F("total_amount") - F("paid_amount") - F("credited_amount")),
    ).first())
    zero = Decimal(0)
    row = sums or {}
    invoiced, credited, paid = (row.get(name, zero) for name in ("invoiced", "credited", "paid"))
    figures = {"invoiced": invoiced, "credited": credited, "paid": paid,
               "balance": invoiced - credited - paid,
               "unallocated": row.get("received", zero) - row.get("allocated", zero),
               "open_invoices": row.get("open_invoices", zero)}
    return {name: to_cents(value) for name, value in figures.items()}


# The balance alone, compiled once: the credit check runs it on every approval.
_BALANCE_PARTS = CompiledRead(lambda customer_id: Customer.objects.filter(pk=customer_id).annotate(
    invoiced=_total(Invoice.objects.all(), "total_amount"),
    credited=_total(CreditNote.objects.all(), "total_amount"),
    paid=_total(Payment.objects.all(), "amount"),
).values_list("invoiced", "credited", "paid"), arity=1)


def open_receivables(customer_id: int) -> Decimal:
    """What the credit check counts as owed: the customer's balance (``customer_balance``'s
    invoiced − credited − paid), never below zero."""
    rows = _BALANCE_PARTS.rows(customer_id)
    if not rows:
        return Decimal(0)
    invoiced, credited, paid = rows[0]
    return max(to_cents(invoiced - credited - paid), Decimal(0))


def aging(*, customer_id: int | None = None, as_of: date | None = None) -> dict[str, Decimal]:
    """Open invoice amounts by days past due: current, 1–30, 31–60, 61–90, over 90."""
    as_of = as_of or timezone.localdate()
    buckets = {name: Decimal(0) for name, _, _ in AGING_BUCKETS}
    qs = Invoice.objects.exclude(status=InvoiceStatus.PAID)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    rows = qs.values("due_date").annotate(open=OPEN_AMOUNT)
    for row in rows:
        overdue = (as_of - row["due_date"]).days
        for name, low, high in AGING_BUCKETS:
            if (low is None or overdue >= low) and (high is None or overdue <= high):
                buckets[name] += row["open"] or Decimal(0)
                break
    buckets["total"] = sum(buckets.values(), Decimal(0))
    return {name: to_cents(value) for name, value in buckets.items()}


def invoice_list(*, customer_id: int | None = None, status: str | None = None,
                 date_from: date | None = None, date_to: date | None = None,
                 number: str = "", q: str = "") -> QuerySet[Invoice]:
    qs = Invoice.objects.select_related("customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    if date_from:
        qs = qs.filter(issue_date__gte=date_from)
    if date_to:
        qs = qs.filter(issue_date__lte=date_to)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if q.strip():
        qs = qs.filter(number_or_customer(q))
    return qs.order_by("-id")


def invoice_detail(invoice_id: int) -> Invoice:
    invoice = (Invoice.objects.select_related("customer").prefetch_related("lines")
               .filter(pk=invoice_id).first())
    if invoice is None:
        raise NotFound(f"Invoice {invoice_id} does not exist.", code=FinanceError.INVOICE_NOT_FOUND)
    return invoice


def payment_list(*, customer_id: int | None = None, q: str = "") -> QuerySet[Payment]:
    qs = Payment.objects.select_related("customer").prefetch_related("allocations__invoice")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if q.strip():
        qs = qs.filter(number_or_customer(q) | Q(reference__icontains=q.strip()))
    return qs.order_by("-id")


def payment_detail(payment_id: int) -> Payment:
    payment = (Payment.objects.select_related("customer", "created_by", "credit_note")
               .prefetch_related("allocations__invoice").filter(pk=payment_id).first())
    if payment is None:
        raise NotFound(f"Payment {payment_id} does not exist.", code=FinanceError.PAYMENT_NOT_FOUND)
    return payment


def credit_note_list(*, customer_id: int | None = None, status: str | None = None,
                     number: str = "", q: str = "") -> QuerySet[CreditNote]:
    qs = CreditNote.objects.select_related("customer")
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if status:
        qs = qs.filter(status=status)
    if number:
        qs = qs.filter(number__icontains=number.strip())
    if q.strip():
        qs = qs.filter(number_or_customer(q))
    return qs.order_by("-id")


def credit_note_detail(credit_note_id: int) -> CreditNote:
    note = (CreditNote.objects.select_related("customer")
            .prefetch_related("lines", "applications__invoice", "refunds")
            .filter(pk=credit_note_id).first())
    if note is None:
        raise NotFound(f"Credit note {credit_note_id} does not exist.",
                       code=FinanceError.CREDIT_NOTE_NOT_FOUND)
    return note


def open_credit_total(customer_id: int) -> Decimal:
    """Credit not yet applied or refunded."""
    notes = CreditNote.objects.filter(customer_id=customer_id).exclude(
        status=CreditNoteStatus.USED)
    return to_cents(_sum(notes, "total_amount") - _sum(notes, "applied_amount")
                    - _sum(notes, "refunded_amount"))


def credit_note_history(document_id: int) -> QuerySet[DocumentTransition]:
    return document_history(CREDIT_NOTE_LIFE, document_id)


def payment_history(document_id: int) -> QuerySet[DocumentTransition]:
    return document_history(PAYMENT_LIFE, document_id)
