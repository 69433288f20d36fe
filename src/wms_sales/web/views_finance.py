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

from wms_sales.common.errors import ValidationFailed
from wms_sales.finance import selectors as finance_selectors
from wms_sales.finance import services as finance_services

from . import selectors
from .document_forms import (
    AllocationForm,
    ApplyCreditForm,
    CreditNoteFilterForm,
    InvoiceFilterForm,
    PaymentFilterForm,
    PaymentForm,
    RefundForm,
)
from .helpers import LineForms, data_of, document_action, form_page, found, list_page, permission

OVER_ALLOCATED = gettext_noop("The allocations add up to more than the amount received.")


@permission("finance.view_invoice")
def invoice_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=InvoiceFilterForm,
                     selector=finance_selectors.invoice_list,
                     template="web/finance/invoices.html", partial="web/finance/_invoices.html")


@permission("finance.view_invoice")
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "web/finance/invoice.html",
                  {"invoice": found(finance_selectors.invoice_detail, pk)})


@permission("finance.view_payment")
def payment_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=PaymentFilterForm,
                     selector=finance_selectors.payment_list,
                     template="web/finance/payments.html", partial="web/finance/_payments.html")


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
        success_url=lambda _payment: reverse("web:payment_list"),
        cancel_url=reverse("web:payment_list"))


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
                     partial="web/finance/_credit_notes.html")


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
