from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY, Product
from wms_sales.common.constraints import HALF_QUANTUM, at_least, equals
from wms_sales.common.models import DecimalSize
from wms_sales.customers.models import MONEY, Customer
from wms_sales.inventory.models import Warehouse

PRICE: DecimalSize = {"max_digits": 18, "decimal_places": 4}
PERCENT: DecimalSize = {"max_digits": 7, "decimal_places": 4}


class OrderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    SHIPPING = "shipping", _("Shipping")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class ReturnStatus(models.TextChoices):
    NONE = "none", _("No returns")
    PARTIAL = "partial", _("Partly returned")
    FULL = "full", _("Fully returned")


OPEN_STATUSES = (OrderStatus.APPROVED, OrderStatus.SHIPPING)


class SalesOrder(models.Model):
    number = models.CharField(_("order number"), max_length=40, unique=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders",
                                 verbose_name=_("customer"))
    status = models.CharField(_("status"), max_length=12, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING)
    return_status = models.CharField(_("return status"), max_length=10,
                                     choices=ReturnStatus.choices, default=ReturnStatus.NONE)
    order_date = models.DateField(_("order date"))
    requested_delivery_date = models.DateField(_("requested delivery date"), null=True,
                                               blank=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    delivery_recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    delivery_phone = models.CharField(_("phone"), max_length=40, blank=True)
    delivery_address = models.CharField(_("delivery address"), max_length=400, blank=True)
    note = models.TextField(_("note"), blank=True)
    net_amount = models.DecimalField(_("net amount"), **MONEY, default=Decimal(0))
    tax_amount = models.DecimalField(_("tax"), **MONEY, default=Decimal(0))
    total_amount = models.DecimalField(_("total"), **MONEY, default=Decimal(0))
    line_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", null=True, verbose_name=_("salesperson"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", null=True, blank=True,
                                    verbose_name=_("reviewer"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    credit_override_reason = models.CharField(_("credit override reason"), max_length=500,
                                              blank=True)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True,
                                     help_text=_("why it was rejected, cancelled or closed"))

    # Not columns: set by orders.selectors.order_detail on the order it returns.
    line_list: list[SalesOrderLine]

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        permissions = [
            ("review_salesorder", "Can approve or reject sales orders"),
            ("override_credit_limit", "Can approve a sales order over the credit limit"),
            ("cancel_salesorder", "Can cancel sales orders"),
            ("close_salesorder", "Can close sales orders short"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=OrderStatus.values),
                                   name="order_status_valid"),
            models.CheckConstraint(
                condition=equals(F("total_amount"), F("net_amount") + F("tax_amount")),
                name="order_total_is_net_plus_tax"),
        ]
        indexes = [
            models.Index(fields=["status", "id"]),
            models.Index(fields=["customer", "status"]),
            models.Index(fields=["order_date"]),
        ]

    def __str__(self) -> str:
        return self.number


class SalesOrderLine(models.Model):
    order = models.ForeignKey(SalesOrder, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField()
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("warehouse"))
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    unit_price = models.DecimalField(_("unit price"), **PRICE,
                                     validators=[MinValueValidator(Decimal(0))])
    discount_percent = models.DecimalField(
        _("discount %"), **PERCENT, default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    tax_rate_percent = models.DecimalField(
        _("tax rate %"), **PERCENT, default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))])
    net_amount = models.DecimalField(_("net amount"), **MONEY)
    tax_amount = models.DecimalField(_("tax"), **MONEY)
    total_amount = models.DecimalField(_("total"), **MONEY)
    shipped_quantity = models.DecimalField(_("shipped"), **QUANTITY, default=Decimal(0))
    returned_quantity = models.DecimalField(_("returned"), **QUANTITY, default=Decimal(0))
    closed_quantity = models.DecimalField(_("closed short"), **QUANTITY, default=Decimal(0))

    # Not a column: set by orders.selectors.order_detail (the quantity still reserved).
    reserved_quantity: Decimal

    class Meta:
        ordering = ["order_id", "line_no"]
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        constraints = [
            models.UniqueConstraint(fields=["order", "line_no"], name="order_line_no_unique"),
            models.CheckConstraint(condition=Q(quantity__gt=0),
                                   name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0),
                                   name="order_line_price_non_negative"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0, discount_percent__lte=100),
                                   name="order_line_discount_range"),
            models.CheckConstraint(condition=Q(tax_rate_percent__gte=0, tax_rate_percent__lte=100),
                                   name="order_line_tax_range"),
            models.CheckConstraint(condition=Q(shipped_quantity__gte=0),
                                   name="order_line_shipped_non_negative"),
            models.CheckConstraint(
                condition=at_least(F("quantity") - F("closed_quantity"), F("shipped_quantity"),
                                   HALF_QUANTUM),
                name="order_line_shipped_within_ordered"),
            models.CheckConstraint(
                condition=Q(returned_quantity__gte=0)
                & Q(returned_quantity__lte=F("shipped_quantity")),
                name="order_line_returned_within_shipped"),
            models.CheckConstraint(condition=Q(closed_quantity__gte=0),
                                   name="order_line_closed_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.line_no}"

    @property
    def open_quantity(self) -> Decimal:
        """Still to ship: ordered − shipped − closed short."""
        return self.quantity - self.shipped_quantity - self.closed_quantity
