from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from wms_sales.common.models import DecimalSize

MONEY: DecimalSize = {"max_digits": 18, "decimal_places": 2}
# Ten years: longer terms make due dates that no report or posting can use.
MAX_PAYMENT_TERMS_DAYS = 3650


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    BLOCKED = "blocked", _("Blocked")
    INACTIVE = "inactive", _("Inactive")


class PaymentMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")
    CASH = "cash", _("Cash")
    ALIPAY = "alipay", _("Alipay")
    WECHAT_PAY = "wechat_pay", _("WeChat Pay")
    CHECK = "check", _("Check")
    ACCEPTANCE_BILL = "acceptance_bill", _("Acceptance bill")


class Customer(models.Model):
    code = models.CharField(_("customer code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    contact_person = models.CharField(_("contact person"), max_length=100, blank=True)
    credit_limit = models.DecimalField(
        _("credit limit"), **MONEY, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Empty means no limit."),
    )
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), default=30,
        validators=[MaxValueValidator(MAX_PAYMENT_TERMS_DAYS)])
    payment_method = models.CharField(_("payment method"), max_length=20,
                                      choices=PaymentMethod.choices,
                                      default=PaymentMethod.BANK_TRANSFER)
    status = models.CharField(_("status"), max_length=10, choices=CustomerStatus.choices,
                              default=CustomerStatus.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["code"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [("change_credit_limit", "Can change a customer's credit limit")]
        constraints = [
            models.CheckConstraint(condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0),
                                   name="customer_credit_limit_non_negative"),
            models.CheckConstraint(condition=~Q(name=""), name="customer_name_not_empty"),
            models.CheckConstraint(condition=Q(status__in=CustomerStatus.values),
                                   name="customer_status_valid"),
        ]
        indexes = [models.Index(fields=["name"]), models.Index(fields=["phone"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def can_order(self) -> bool:
        return self.status == CustomerStatus.ACTIVE

    @property
    def default_address(self) -> CustomerAddress | None:
        return next((a for a in self.addresses.all() if a.is_default), None)


class CustomerAddress(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=50, blank=True)
    recipient = models.CharField(_("recipient"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    province = models.CharField(_("province"), max_length=50, blank=True)
    city = models.CharField(_("city"), max_length=50, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    line = models.CharField(_("address"), max_length=300)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    is_default = models.BooleanField(_("default delivery address"), default=False)

    class Meta:
        ordering = ["-is_default", "id"]
        verbose_name = _("address")
        verbose_name_plural = _("addresses")
        constraints = [
            # One default per customer; MariaDB lacks partial indexes, where the service's
            # lock on the customer row holds the rule instead.
            models.UniqueConstraint(fields=["customer"], condition=Q(is_default=True),
                                    name="one_default_address_per_customer"),
        ]

    def __str__(self) -> str:
        return self.full_text

    @property
    def full_text(self) -> str:
        return " ".join(p for p in (self.province, self.city, self.district, self.line) if p)
