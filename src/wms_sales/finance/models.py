"""Receivables as far as sales touches them: invoices raised by shipments, payments and their
allocation to invoices. Balance = invoiced − credited − paid (DESIGN.md §2)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY
from wms_sales.common.constraints import at_least, equals
from wms_sales.common.models import DecimalSize
from wms_sales.customers.models import MONEY, Customer, PaymentMethod

PRICE: DecimalSize = {"max_digits": 18, "decimal_places": 4}
PERCENT: DecimalSize = {"max_digits": 7, "decimal_places": 4}


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")


class MoneyDocument(models.Model):
    """What invoices and credit notes share: the document that raised them (an outbound, a
    return — by reference: finance does not depend on document apps), amounts, audit."""

    source_type = models.CharField(max_length=30)
    source_id = models.BigIntegerField()
    source_ref = models.CharField(_("source document"), max_length=40)
    order_ref = models.CharField(_("order number"), max_length=40, blank=True)
    issue_date = models.DateField(_("issue date"))
    net_amount = models.DecimalField(_("net amount"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    total_amount = models.DecimalField(_("total"), **MONEY)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True


class Invoice(MoneyDocument):
    number = models.CharField(_("invoice number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("customer"))
    due_date = models.DateField(_("due date"))
    paid_amount = models.DecimalField(_("paid"), **MONEY, default=Decimal(0))
    credited_amount = models.DecimalField(_("credited"), **MONEY, default=Decimal(0))
    status = models.CharField(_("status"), max_length=16, choices=InvoiceStatus.choices,
                              default=InvoiceStatus.OPEN)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"],
                                    name="one_invoice_per_source_document"),
            models.CheckConstraint(
                condition=equals(F("total_amount"), F("net_amount") + F("tax_amount")),
                name="invoice_total_is_net_plus_tax"),
            models.CheckConstraint(condition=Q(paid_amount__gte=0) & Q(credited_amount__gte=0),
                                   name="invoice_settlements_non_negative"),
            models.CheckConstraint(
                condition=at_least(F("total_amount"),
                                         F("paid_amount") + F("credited_amount")),
                name="invoice_settled_within_total"),
        ]
        indexes = [models.Index(fields=["customer", "status"]),
                   models.Index(fields=["issue_date"])]

    def __str__(self) -> str:
        return self.number

    @property
    def open_amount(self) -> Decimal:
        return self.total_amount - self.paid_amount - self.credited_amount


class PricedLine(models.Model):
    """A line of a money document, priced like the order line it comes from."""

    line_no = models.PositiveIntegerField()
    sku = models.CharField(_("SKU"), max_length=64)
    description = models.CharField(_("description"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **PRICE)
    discount_percent = models.DecimalField(_("discount %"), **PERCENT)
    tax_rate_percent = models.DecimalField(_("tax rate %"), **PERCENT)
    net_amount = models.DecimalField(_("net amount"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    total_amount = models.DecimalField(_("total"), **MONEY)

    class Meta:
        abstract = True


class InvoiceLine(PricedLine):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["invoice_id", "line_no"]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.line_no}"


class CreditNoteStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_USED = "partially_used", _("Partially used")
    USED = "used", _("Used")


class CreditNote(MoneyDocument):
    """红字发票/贷项通知单: money owed back to the customer, raised by a received return.
    It lowers the balance at once; it is then applied to invoices or refunded."""

    number = models.CharField(_("credit note number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT,
                                 related_name="credit_notes", verbose_name=_("customer"))
    applied_amount = models.DecimalField(_("applied to invoices"), **MONEY, default=Decimal(0))
    refunded_amount = models.DecimalField(_("refunded"), **MONEY, default=Decimal(0))
    status = models.CharField(_("status"), max_length=16, choices=CreditNoteStatus.choices,
                              default=CreditNoteStatus.OPEN)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"],
                                    name="one_credit_note_per_source_document"),
            models.CheckConstraint(
                condition=equals(F("total_amount"), F("net_amount") + F("tax_amount")),
                name="credit_note_total_is_net_plus_tax"),
            models.CheckConstraint(condition=Q(applied_amount__gte=0) & Q(refunded_amount__gte=0),
                                   name="credit_note_uses_non_negative"),
            models.CheckConstraint(
                condition=at_least(F("total_amount"),
                                   F("applied_amount") + F("refunded_amount")),
                name="credit_note_used_within_total"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def remaining_amount(self) -> Decimal:
        return self.total_amount - self.applied_amount - self.refunded_amount


class CreditNoteLine(PricedLine):
    credit_note = models.ForeignKey(CreditNote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["credit_note_id", "line_no"]

    def __str__(self) -> str:
        return f"{self.credit_note_id}/{self.line_no}"


class CreditApplication(models.Model):
    """Part of a credit note set against an invoice of the same customer."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT,
                                    related_name="applications")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT,
                                related_name="credit_applications")
    amount = models.DecimalField(_("amount"), **MONEY)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="credit_application_positive")]

    def __str__(self) -> str:
        return f"{self.credit_note_id}→{self.invoice_id}: {self.amount}"


class PaymentState(models.TextChoices):
    """A payment's allocation state, derived from its allocations (no column): what its
    history records from → to."""

    UNALLOCATED = "unallocated", _("Unallocated")
    PARTIALLY_ALLOCATED = "partially_allocated", _("Partially allocated")
    ALLOCATED = "allocated", _("Allocated")
    REFUND = "refund", _("Refund")


class Payment(models.Model):
    """Money received from a customer (a refund is a negative payment)."""

    number = models.CharField(_("payment number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="payments",
                                 verbose_name=_("customer"))
    amount = models.DecimalField(_("amount"), **MONEY)
    method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="refunds",
                                    verbose_name=_("refund of credit note"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [models.CheckConstraint(condition=~Q(amount=0),
                                              name="payment_not_zero")]

    def __str__(self) -> str:
        return self.number


class PaymentAllocation(models.Model):
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField(_("amount"), **MONEY)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0),
                                              name="allocation_positive")]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.invoice_id}: {self.amount}"
