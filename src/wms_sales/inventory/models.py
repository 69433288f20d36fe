from __future__ import annotations

from decimal import Decimal
from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY, Product


class Warehouse(models.Model):
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(_("default warehouse"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.CheckConstraint(condition=~Q(code=""), name="warehouse_code_not_empty"),
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                    name="one_default_warehouse"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class StockLevel(models.Model):
    """On-hand and reserved quantity of one product in one warehouse.

    ``on_hand`` only changes together with a ``StockMove`` (see services); the CHECK
    constraints hold the rest even against code that bypasses the services."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT,
                                  related_name="stock_levels")
    on_hand = models.DecimalField(_("on hand"), **QUANTITY, default=0)
    reserved = models.DecimalField(_("reserved"), **QUANTITY, default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["product_id", "warehouse_id"]
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"],
                                    name="one_stock_level_per_product_warehouse"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_non_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0),
                                   name="stock_reserved_non_negative"),
            models.CheckConstraint(condition=Q(reserved__lte=F("on_hand")),
                                   name="stock_reserved_within_on_hand"),
        ]
        indexes = [models.Index(fields=["warehouse", "product"])]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class MoveReason(models.TextChoices):
    OPENING = "opening", _("Opening stock")
    RECEIPT = "receipt", _("Receipt")
    ADJUSTMENT = "adjustment", _("Adjustment")
    SALE_ISSUE = "sale_issue", _("Sales issue")
    RETURN_RESTOCK = "return_restock", _("Return restock")
    RETURN_DAMAGED = "return_damaged", _("Damaged return received")
    WRITE_OFF = "write_off", _("Write-off")


class AppendOnlyQuerySet(models.QuerySet["StockMove"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("The stock ledger is append-only; post a correcting move instead.")

    def delete(self) -> NoReturn:
        raise TypeError("The stock ledger is append-only; post a correcting move instead.")


class StockMove(models.Model):
    """One line of the append-only stock ledger: on_hand == sum(quantity) per level."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="stock_moves")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_moves")
    quantity = models.DecimalField(_("quantity"), **QUANTITY)
    balance_after = models.DecimalField(_("balance after"), **QUANTITY)
    reason = models.CharField(_("reason"), max_length=20, choices=MoveReason.choices)
    source_type = models.CharField(_("source type"), max_length=30, blank=True)
    source_id = models.BigIntegerField(_("source id"), null=True, blank=True)
    source_ref = models.CharField(_("source document"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              related_name="+")
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("stock move")
        verbose_name_plural = _("stock ledger")
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_move_not_zero"),
            models.CheckConstraint(condition=Q(balance_after__gte=0),
                                   name="stock_move_balance_non_negative"),
        ]
        indexes = [
            models.Index(fields=["product", "warehouse", "id"]),
            models.Index(fields=["source_type", "source_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.quantity:+} {self.product_id}@{self.warehouse_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The stock ledger is append-only; post a correcting move instead.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("The stock ledger is append-only; post a correcting move instead.")


class Reservation(models.Model):
    """Stock held for one document line (e.g. a sales order line) in one warehouse.

    ``quantity`` is what is still held: it drops when the stock is issued or released, so
    per level ``reserved == sum(quantity)``."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="reservations")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT,
                                  related_name="reservations")
    source_type = models.CharField(max_length=30)
    source_id = models.BigIntegerField()
    source_ref = models.CharField(max_length=40, blank=True)
    quantity = models.DecimalField(_("reserved"), **QUANTITY)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(fields=["source_type", "source_id"],
                                    name="one_reservation_per_source_line"),
            models.CheckConstraint(condition=Q(quantity__gte=0),
                                   name="reservation_quantity_non_negative"),
        ]
        indexes = [models.Index(fields=["product", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.source_type}#{self.source_id}: {self.quantity}"
