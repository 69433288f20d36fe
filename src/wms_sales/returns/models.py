from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY
from wms_sales.common.constraints import HALF_QUANTUM, at_least
from wms_sales.customers.models import MONEY
from wms_sales.finance.models import CreditNote
from wms_sales.inventory.models import Warehouse
from wms_sales.orders.models import SalesOrder, SalesOrderLine


class ReturnStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    RECEIVED = "received", _("Received")


class Condition(models.TextChoices):
    GOOD = "good", _("Good")
    DAMAGED = "damaged", _("Damaged")


class ReturnReason(models.TextChoices):
    WRONG_ITEM = "wrong_item", _("Wrong item")
    DAMAGED_IN_TRANSIT = "damaged_in_transit", _("Damaged in transit")
    QUALITY = "quality", _("Quality problem")
    CHANGED_MIND = "changed_mind", _("Customer changed mind")
    OTHER = "other", _("Other")


OPEN_RETURN_STATUSES = (ReturnStatus.REQUESTED, ReturnStatus.APPROVED)


class SalesReturn(models.Model):
    """退货单: goods coming back against the shipped lines of one order."""

    # Set by the write use cases: the lines they hold, in line order, for the answer.
    line_list: list[ReturnLine]

    number = models.CharField(_("return number"), max_length=40, unique=True)
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="returns",
                              verbose_name=_("sales order"))
    status = models.CharField(_("status"), max_length=10, choices=ReturnStatus.choices,
                              default=ReturnStatus.REQUESTED)
    note = models.CharField(_("note"), max_length=500, blank=True)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="+", verbose_name=_("received into"))
    credit_note = models.OneToOneField(CreditNote, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="sales_return",
                                       verbose_name=_("credit note"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, related_name="+", verbose_name=_("requested by"))
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reviewer"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("received by"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("return")
        verbose_name_plural = _("returns")
        permissions = [("review_salesreturn", "Can approve or reject returns"),
                       ("receive_salesreturn", "Can receive returned goods")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ReturnStatus.values),
                                   name="return_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=ReturnStatus.RECEIVED)
                | (Q(credit_note__isnull=False) & Q(received_at__isnull=False)),
                name="received_return_has_credit_note"),
        ]
        indexes = [models.Index(fields=["status", "id"])]

    def __str__(self) -> str:
        return self.number


class ReturnLine(models.Model):
    sales_return = models.ForeignKey(SalesReturn, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT,
                                   related_name="return_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    expected_condition = models.CharField(_("expected condition"), max_length=10,
                                          choices=Condition.choices, default=Condition.GOOD)
    reason = models.CharField(_("return reason"), max_length=20, choices=ReturnReason.choices)
    reason_text = models.CharField(_("details"), max_length=300, blank=True)
    received_good = models.DecimalField(_("received good"), **QUANTITY, default=Decimal(0))
    received_damaged = models.DecimalField(_("received damaged"), **QUANTITY,
                                           default=Decimal(0))
    net_amount = models.DecimalField(_("net amount"), **MONEY, default=Decimal(0))
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=Decimal(0))
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal(0))

    class Meta:
        ordering = ["sales_return_id", "order_line__line_no"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="return_line_quantity_positive"),
            models.CheckConstraint(condition=Q(received_good__gte=0) & Q(received_damaged__gte=0),
                                   name="return_line_received_non_negative"),
            models.CheckConstraint(
                condition=at_least(F("quantity"), F("received_good") + F("received_damaged"),
                                   HALF_QUANTUM),
                name="return_line_received_within_approved"),
            models.UniqueConstraint(fields=["sales_return", "order_line"],
                                    name="return_line_once_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.sales_return_id}: {self.quantity}"

    @property
    def received_quantity(self) -> Decimal:
        return self.received_good + self.received_damaged
