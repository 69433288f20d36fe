"""Receivables pages: invoices, payments with their allocation to open invoices, credit notes
applied to invoices or refunded."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop
from django.views.decorators.http import require_POST

from wms_sales.common.errors import ValidationFailed
from wms_sales.finance import selectors as finance_selectors
from wms_sales.finance import services as finance_services

from . import printables, selectors
from .document_forms import (
    AllocationForm,
    ApplyCreditForm,
    CreditNoteFilterForm,
    InvoiceFilterForm,
    PaymentFilterForm,
    PaymentForm,
    RefundForm,
)
from .helpers import (
    LineForms,
    data_of,
    document_action,
    form_action,
    form_page,
    found,
    list_page,
    permission,
    post_action,
)

OVER_ALLOCATED = gettext_noop("The allocations add up to more than the amount received.")
# The invoice list's sortable columns (?sort=key or -key).
INVOICE_COLUMNS = {"number": "number", "customer": "customer__name", "issued": "issue_date",
                   "due": "due_date", "total": "total_amount", "status": "status"}
PAYMENT_COLUMNS = {"number": "number", "customer": "customer__name", "received": "received_on",
                   "method": "method", "amount": "amount"}
CREDIT_NOTE_COLUMNS = {"number": "number", "customer": "customer__name", "issued": "issue_date",
                       "total": "total_amount", "status": "status"}
NOTHING_ALLOCATED = gettext_noop("Enter the amount to allocate to at least one invoice.")


@permission("finance.view_invoice")
def invoice_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=InvoiceFilterForm,
                     selector=finance_selectors.invoice_list,
                     template="web/finance/invoices.html", partial="web/finance/_invoices.html",
                     sortable=INVOICE_COLUMNS)


@permission("finance.view_invoice")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/finance/invoice.html",
                  {"invoice": found(finance_selectors.invoice_detail, pk)})


@permission("finance.view_invoice")
def invoice_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable invoice."""
    return printables.page(found(finance_selectors.invoice_detail, pk), request)


@permission("finance.view_invoice")
def invoice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return printables.pdf(found(finance_selectors.invoice_detail, pk), request)


@permission("finance.view_payment")
def payment_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=PaymentFilterForm,
                     selector=finance_selectors.payment_list,
                     template="web/finance/payments.html", partial="web/finance/_payments.html",
                     sortable=PAYMENT_COLUMNS)


def _allocations(data: Any, customer_id: int | None) -> LineForms:
    """One amount per open invoice of the chosen customer."""
    invoices = selectors.open_invoices(customer_id) if customer_id else []
    return LineForms([AllocationForm(data, invoice=invoice) for invoice in invoices],
                     name="allocations")


@permission("finance.add_payment")
def payment_create(request: HttpRequest) -> HttpResponse:
    form = PaymentForm(data_of(request), initial={"customer": request.GET.get("customer")})
    allocations = _allocations(data_of(request), form.customer_id())

    def save(data: dict[str, Any]) -> Any:
        if sum((f.cleaned_data["amount"] for f in allocations.sent()), Decimal(0)) \
                > data["amount"]:
            raise ValidationFailed({"allocations": OVER_ALLOCATED})
        return finance_services.record_payment(
            actor=request.user, customer_id=data["customer"].pk, amount=data["amount"],
            method=data["method"], received_on=data["received_on"],
            reference=data["reference"], note=data["note"], allocations=allocations.payload())

    return form_page(
        request, form, save, template="web/finance/payment_form.html", lines=allocations,
        heading=_("Record a payment"), submit_label=_("Record payment"),
        success=lambda payment: _("Payment %(number)s recorded.") % {"number": payment.number},
        success_url=lambda payment: reverse("web:payment_detail", args=[payment.pk]),
        cancel_url=reverse("web:payment_list"))


def _payment_page(request: HttpRequest, pk: int, allocations: LineForms | None = None,
                  form: forms.Form | None = None) -> HttpResponse:
    payment = found(finance_selectors.payment_detail, pk)
    allocated = sum((a.amount for a in payment.allocations.all()), Decimal(0))
    unallocated = payment.amount - allocated if payment.amount > 0 else Decimal(0)
    can_allocate = request.user.has_perm("finance.add_payment")
    if allocations is None and can_allocate and unallocated > 0:
        allocations = _allocations(None, payment.customer_id)
    return render(request, "web/finance/payment.html", {
        "payment": payment, "allocated": allocated, "unallocated": unallocated,
        "can_allocate": can_allocate, "form": form,
        "lines": allocations if unallocated > 0 else None, "chosen": True,
        "history": list(finance_selectors.payment_history(pk))})


@permission("finance.view_payment")
def payment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _payment_page(request, pk)


@require_POST
@permission("finance.add_payment")
def payment_allocate(request: HttpRequest, pk: int) -> HttpResponse:
    """Allocate what is still unallocated of a payment to the customer's open invoices."""
    payment = found(finance_selectors.payment_detail, pk)
    allocations = _allocations(request.POST, payment.customer_id)
    form = forms.Form(request.POST)

    def allocate(_data: dict[str, Any]) -> Any:
        if not allocations.sent():
            raise ValidationFailed({"allocations": NOTHING_ALLOCATED})
        return finance_services.allocate_payment(actor=request.user, payment_id=pk,
                                                 allocations=allocations.payload())

    return form_action(request, form, allocate, done=_("Payment allocated."),
                       then=reverse("web:payment_detail", args=[pk]), lines=allocations,
                       page=lambda bound: _payment_page(request, pk, allocations, bound))


@require_POST
@permission("finance.add_payment")
def payment_unallocate(request: HttpRequest, pk: int, allocation_pk: int) -> HttpResponse:
    return post_action(
        request, lambda: finance_services.unallocate_payment(
            actor=request.user, payment_id=pk, allocation_id=allocation_pk),
        done=_("Allocation taken back; the invoice is open again."),
        then=reverse("web:payment_detail", args=[pk]))


@permission("finance.add_payment")
def payment_allocations(request: HttpRequest) -> HttpResponse:
    """The allocation table for the customer just chosen (htmx)."""
    customer = request.GET.get("customer", "")
    return render(request, "web/finance/_allocations.html", {
        "lines": _allocations(None, int(customer) if customer.isdigit() else None),
        "chosen": customer.isdigit()})


@permission("finance.view_creditnote")
def credit_note_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=CreditNoteFilterForm,
                     selector=finance_selectors.credit_note_list,
                     template="web/finance/credit_notes.html",
                     partial="web/finance/_credit_notes.html", sortable=CREDIT_NOTE_COLUMNS)


def _open_invoices_of_note(_request: HttpRequest, pk: int) -> dict[str, Any]:
    note = found(finance_selectors.credit_note_detail, pk)
    return {"invoices": selectors.open_invoices(note.customer_id)}


def _credit_note_page(request: HttpRequest, pk: int, **bound: forms.Form) -> HttpResponse:
    note = found(finance_selectors.credit_note_detail, pk)
    usable = note.remaining_amount > 0 and request.user.has_perm("finance.change_creditnote")
    return render(request, "web/finance/credit_note.html", {
        "note": note,
        "apply_form": (bound.get("apply") or ApplyCreditForm(
            prefix="apply", invoices=selectors.open_invoices(note.customer_id)))
        if usable else None,
        "refund_form": (bound.get("refund") or RefundForm(
            prefix="refund", initial={"amount": note.remaining_amount})) if usable else None,
        "history": list(finance_selectors.credit_note_history(pk)),
    })


@permission("finance.view_creditnote")
def credit_note_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _credit_note_page(request, pk)


credit_note_apply = document_action(
    perm="finance.change_creditnote", prefix="apply", form_class=ApplyCreditForm,
    form_kwargs=_open_invoices_of_note,
    call=lambda actor, pk, data: finance_services.apply_credit_note(
        actor=actor, credit_note_id=pk, invoice_id=data["invoice"].pk, amount=data["amount"]),
    done=gettext_lazy("Credit applied to the invoice."), detail="web:credit_note_detail",
    page=_credit_note_page)

credit_note_refund = document_action(
    perm="finance.change_creditnote", prefix="refund", form_class=RefundForm,
    call=lambda actor, pk, data: finance_services.refund_credit_note(
        actor=actor, credit_note_id=pk, amount=data["amount"], method=data["method"],
        reference=data["reference"], paid_on=data["paid_on"]),
    done=gettext_lazy("Refund recorded."), detail="web:credit_note_detail",
    page=_credit_note_page)
