from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY
from wms_sales.customers.models import MONEY
from wms_sales.finance.models import Invoice
from wms_sales.inventory.models import Warehouse
from wms_sales.orders.models import SalesOrder, SalesOrderLine


class OutboundStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class Outbound(models.Model):
    """出库单: what leaves one warehouse for one order. Posting issues the stock."""

    number = models.CharField(_("outbound number"), max_length=40, unique=True)
    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="outbounds",
                              verbose_name=_("sales order"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    status = models.CharField(_("status"), max_length=10, choices=OutboundStatus.choices,
                              default=OutboundStatus.DRAFT)
    planned_ship_date = models.DateField(_("planned ship date"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    cancel_reason = models.CharField(_("reason"), max_length=500, blank=True)
    invoice = models.OneToOneField(Invoice, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="outbound", verbose_name=_("invoice"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    posted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("operator"))

    # Not a column: the lines a write use case holds, for its answer (outbound.api).
    line_list: list[OutboundLine]

    class Meta:
        ordering = ["-id"]
        verbose_name = _("outbound")
        verbose_name_plural = _("outbounds")
        permissions = [("post_outbound", "Can post (ship) outbounds")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OutboundStatus.values),
                                   name="outbound_status_valid"),
            models.CheckConstraint(
                condition=~Q(status=OutboundStatus.POSTED)
                | (Q(shipped_at__isnull=False) & Q(invoice__isnull=False)),
                name="posted_outbound_has_date_and_invoice"),
        ]
        indexes = [models.Index(fields=["status", "warehouse"])]

    def __str__(self) -> str:
        return self.number


class OutboundLine(models.Model):
    outbound = models.ForeignKey(Outbound, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(SalesOrderLine, on_delete=models.PROTECT,
                                   related_name="outbound_lines")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    # The shipped value, priced like the order line; the invoice line carries the same.
    net_amount = models.DecimalField(_("net amount"), **MONEY, default=0)
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=0)
    total_amount = models.DecimalField(_("total"), **MONEY, default=0)

    class Meta:
        ordering = ["outbound_id", "order_line__line_no"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="outbound_line_quantity_positive"),
            models.UniqueConstraint(fields=["outbound", "order_line"],
                                    name="outbound_line_once_per_order_line"),
        ]

    def __str__(self) -> str:
        return f"{self.outbound_id}: {self.quantity}"
