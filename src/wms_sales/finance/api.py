from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, get_type_hints

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate
from pydantic import create_model

from wms_sales.common.api import require_perm
from wms_sales.common.errors import NotFound
from wms_sales.common.idempotency import idempotent
from wms_sales.common.money import PricedLine
from wms_sales.common.schemas import IsoDate, Schema
from wms_sales.customers.errors import CustomerError
from wms_sales.customers.models import Customer, PaymentMethod
from wms_sales.lifecycle.schemas import HistoryEntryOut

from . import selectors, services
from .models import CreditNoteStatus, InvoiceStatus

router = Router(tags=["finance"])


# An invoice or credit-note line: its number, then the fields of ``PricedLine`` (one
# declaration of the line's fields for the services and the API).
if TYPE_CHECKING:  # a model built at run time: to mypy it is a Schema
    InvoiceLineOut = Schema
else:
    InvoiceLineOut = create_model(
        "InvoiceLineOut", __base__=Schema, line_no=(int, ...),
        **{name: (hint, ...) for name, hint in get_type_hints(PricedLine).items()})


class InvoiceSummaryOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    source_ref: str
    order_ref: str
    issue_date: date
    due_date: date
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    paid_amount: Decimal
    credited_amount: Decimal
    open_amount: Decimal
    status: InvoiceStatus

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class InvoiceOut(InvoiceSummaryOut):
    lines: list[InvoiceLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())


class AllocationIn(Schema):
    invoice_id: int
    amount: Decimal


class PaymentIn(Schema):
    customer_id: int
    amount: Decimal  # negative: a refund paid out
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    received_on: date | None = None
    reference: str = ""
    note: str = ""
    allocations: list[AllocationIn] = []


class AllocateIn(Schema):
    allocations: list[AllocationIn]


class AllocationOut(Schema):
    invoice_id: int
    invoice_number: str
    amount: Decimal

    @staticmethod
    def resolve_invoice_number(obj) -> str:
        return obj.invoice.number


class PaymentOut(Schema):
    id: int
    number: str
    customer_id: int
    amount: Decimal
    method: str
    received_on: date
    reference: str
    note: str
    created_at: datetime
    allocations: list[AllocationOut]

    @staticmethod
    def resolve_allocations(obj) -> list:
        return list(obj.allocations.select_related("invoice"))


class BalanceOut(Schema):
    customer_id: int
    invoiced: Decimal
    credited: Decimal
    paid: Decimal
    balance: Decimal
    unallocated: Decimal
    open_invoices: Decimal
    aging: dict[str, Decimal]


@router.get("/invoices", response=list[InvoiceSummaryOut])
@require_perm("finance.view_invoice")
@paginate
def list_invoices(request: HttpRequest, customer_id: int | None = None,
                  status: InvoiceStatus | None = None, date_from: date | None = None,
                  date_to: date | None = None, number: str = ""):
    return selectors.invoice_list(customer_id=customer_id, status=status, date_from=date_from,
                                  date_to=date_to, number=number)


@router.get("/invoices/{invoice_id}", response=InvoiceOut)
@require_perm("finance.view_invoice")
def get_invoice(request: HttpRequest, invoice_id: int):
    return selectors.invoice_detail(invoice_id)


@router.get("/payments", response=list[PaymentOut])
@require_perm("finance.view_payment")
@paginate
def list_payments(request: HttpRequest, customer_id: int | None = None):
    return selectors.payment_list(customer_id=customer_id)


@router.post("/payments", response={201: PaymentOut})
@require_perm("finance.add_payment")
@idempotent(PaymentOut)
def record_payment(request: HttpRequest, payload: PaymentIn):
    data = payload.dict()
    data["allocations"] = [dict(a) for a in data["allocations"]]
    return Status(201, services.record_payment(actor=request.user, **data))


@router.get("/payments/{payment_id}/history", response=list[HistoryEntryOut])
@require_perm("finance.view_payment")
@paginate
def payment_history(request: HttpRequest, payment_id: int):
    """Recording, each allocation and unallocation, oldest first; the states are the
    payment's allocation state (unallocated, partially allocated, allocated, refund)."""
    return selectors.payment_history(payment_id)


@router.post("/payments/{payment_id}/allocate", response=PaymentOut)
@require_perm("finance.add_payment")
@idempotent(PaymentOut)
def allocate_payment(request: HttpRequest, payment_id: int, payload: AllocateIn):
    return Status(200, services.allocate_payment(
        actor=request.user, payment_id=payment_id,
        allocations=[dict(a) for a in payload.allocations]))


@router.get("/customers/{customer_id}/balance", response=BalanceOut, tags=["customers"])
@require_perm("finance.view_invoice")
def customer_balance(request: HttpRequest, customer_id: int, as_of: IsoDate | None = None):
    """Invoiced − credited − paid, and the aging of open invoices by days overdue."""
    if not Customer.objects.filter(pk=customer_id).exists():
        raise NotFound(f"Customer {customer_id} does not exist.",
                       code=CustomerError.CUSTOMER_NOT_FOUND)
    return {"customer_id": customer_id, **selectors.customer_balance(customer_id),
            "aging": selectors.aging(customer_id=customer_id, as_of=as_of)}


class CreditApplicationOut(AllocationOut):
    created_at: datetime


class RefundOut(Schema):
    id: int
    number: str
    amount: Decimal
    method: str
    received_on: date
    reference: str


class CreditNoteSummaryOut(Schema):
    id: int
    number: str
    customer_id: int
    customer_name: str
    source_ref: str
    order_ref: str
    issue_date: date
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    applied_amount: Decimal
    refunded_amount: Decimal
    remaining_amount: Decimal
    status: CreditNoteStatus

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.customer.name


class CreditNoteOut(CreditNoteSummaryOut):
    lines: list[InvoiceLineOut]
    applications: list[CreditApplicationOut]
    refunds: list[RefundOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        return list(obj.lines.all())

    @staticmethod
    def resolve_applications(obj) -> list:
        return list(obj.applications.all())

    @staticmethod
    def resolve_refunds(obj) -> list:
        return list(obj.refunds.all())


class ApplyIn(Schema):
    invoice_id: int
    amount: Decimal | None = None  # default: as much as the note and the invoice allow


class RefundIn(Schema):
    amount: Decimal
    method: PaymentMethod = PaymentMethod.BANK_TRANSFER
    reference: str = ""
    paid_on: date | None = None


@router.get("/credit-notes", response=list[CreditNoteSummaryOut])
@require_perm("finance.view_creditnote")
@paginate
def list_credit_notes(request: HttpRequest, customer_id: int | None = None,
                      status: CreditNoteStatus | None = None, number: str = ""):
    return selectors.credit_note_list(customer_id=customer_id, status=status, number=number)


@router.get("/credit-notes/{credit_note_id}", response=CreditNoteOut)
@require_perm("finance.view_creditnote")
def get_credit_note(request: HttpRequest, credit_note_id: int):
    return selectors.credit_note_detail(credit_note_id)


@router.get("/credit-notes/{credit_note_id}/history", response=list[HistoryEntryOut])
@require_perm("finance.view_creditnote")
@paginate
def credit_note_history(request: HttpRequest, credit_note_id: int):
    """Issue, each use against an invoice and each refund, oldest first."""
    return selectors.credit_note_history(credit_note_id)


@router.post("/credit-notes/{credit_note_id}/apply", response=CreditNoteOut)
@require_perm("finance.change_creditnote")
@idempotent(CreditNoteOut)
def apply_credit_note(request: HttpRequest, credit_note_id: int, payload: ApplyIn):
    services.apply_credit_note(actor=request.user, credit_note_id=credit_note_id,
                               invoice_id=payload.invoice_id, amount=payload.amount)
    return Status(200, selectors.credit_note_detail(credit_note_id))


@router.post("/credit-notes/{credit_note_id}/refund", response=CreditNoteOut)
@require_perm("finance.change_creditnote")
@idempotent(CreditNoteOut)
def refund_credit_note(request: HttpRequest, credit_note_id: int, payload: RefundIn):
    """Pay the credit out; recorded as a negative payment."""
    services.refund_credit_note(actor=request.user, credit_note_id=credit_note_id,
                                **payload.dict())
    return Status(200, selectors.credit_note_detail(credit_note_id))
