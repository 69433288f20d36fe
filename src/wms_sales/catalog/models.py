from __future__ import annotations

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wms_sales.common.models import DecimalSize

# Quantities are stored with 4 places; a product's precision says how many it may use.
QUANTITY: DecimalSize = {"max_digits": 18, "decimal_places": 4}
MAX_QUANTITY_PRECISION = 4
# The largest quantity a QUANTITY column holds (14 integer digits).
MAX_QUANTITY = Decimal(10) ** (QUANTITY["max_digits"] - QUANTITY["decimal_places"])


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="pcs")
    list_price = models.DecimalField(_("list price"), max_digits=18, decimal_places=2,
                                     default=Decimal("0"),
                                     validators=[MinValueValidator(Decimal("0"))])
    quantity_precision = models.PositiveSmallIntegerField(
        _("quantity precision"), default=0,
        validators=[MaxValueValidator(MAX_QUANTITY_PRECISION)],
        help_text=_("Decimal places allowed in quantities (0 = whole units)."))
    tax_rate_percent = models.DecimalField(
        _("default tax rate %"), max_digits=7, decimal_places=4, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Filled in as the tax rate of a new order line (e.g. 13 for VAT)."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["sku"]
        verbose_name = _("product")
        verbose_name_plural = _("products")
        constraints = [
            models.CheckConstraint(condition=Q(list_price__gte=0),
                                   name="product_list_price_non_negative"),
            models.CheckConstraint(condition=Q(quantity_precision__lte=MAX_QUANTITY_PRECISION),
                                   name="product_quantity_precision_range"),
            models.CheckConstraint(condition=~Q(sku=""), name="product_sku_not_empty"),
            models.CheckConstraint(condition=Q(tax_rate_percent__gte=0, tax_rate_percent__lte=100),
                                   name="product_tax_rate_range"),
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def quantity_error(self, quantity: Decimal) -> str | None:
        """Why ``quantity`` is not a valid quantity of this product, or None."""
        if not quantity.is_finite() or abs(quantity) >= MAX_QUANTITY:
            return f"{quantity} is out of range (at most {MAX_QUANTITY - 1} units)."
        if quantity != quantity.quantize(Decimal(1).scaleb(-self.quantity_precision)):
            return (f"{self.sku} allows {self.quantity_precision} decimal place(s); "
                    f"{quantity} has more.")
        return None
