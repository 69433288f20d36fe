"""Daily aggregates the reports read instead of scanning documents (DESIGN.md §5).

One row per (local day, dimension, key), at the grains a report needs: the whole business
(``all``, key 0), per customer, per product, per warehouse and per salesperson. A single
day × customer × product × warehouse grain would be nearly as large as the order lines; these
stay at thousands of rows for a 90-day dashboard. They are changed by in-transaction event
handlers (``handlers.py``) in the same transaction as each posting, and can be recomputed
from the documents (``wms-sales rebuild-aggregates``)."""

from __future__ import annotations

from decimal import Decimal
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.models import QUANTITY
from wms_sales.customers.models import MONEY


class Dimension(models.TextChoices):
    ALL = "all", _("All")
    CUSTOMER = "customer", _("Customer")
    PRODUCT = "product", _("Product")
    WAREHOUSE = "warehouse", _("Warehouse")
    SALESPERSON = "salesperson", _("Salesperson")


# At the product and warehouse grains an order counts once per product (warehouse) it
# contains, and its ordered amount is the value of those lines.
COUNT_MEASURES = (
    "orders_entered",  # by entry day
    "status_pending", "status_approved", "status_shipping", "status_completed",
    "status_rejected", "status_cancelled",  # current status of the orders entered that day
    "orders_approved",  # by approval day
    "orders_completed",  # by completion day
    "completion_days",  # sum of days from approval to completion, by completion day
)
AMOUNT_MEASURES = (
    "ordered_amount",  # gross value approved, by approval day
    "shipped_net", "shipped_gross",  # posted outbounds = sales amount = invoiced
    "returned_net", "returned_gross",  # received returns, at credit-note value
    "paid_amount",  # payments received (refunds negative)
)
QUANTITY_MEASURES = ("shipped_quantity", "returned_quantity")
MEASURES = COUNT_MEASURES + AMOUNT_MEASURES + QUANTITY_MEASURES


def _count() -> models.IntegerField:
    return models.IntegerField(default=0)


def _amount() -> models.DecimalField:
    return models.DecimalField(**MONEY, default=Decimal(0))


def _quantity() -> models.DecimalField:
    return models.DecimalField(**QUANTITY, default=Decimal(0))


class FactMeasures(models.Model):
    """One column per measure, declared one by one (greppable, typed); the tuples above name
    them for the code that sums them, and a test keeps both in step."""

    orders_entered = _count()
    status_pending = _count()
    status_approved = _count()
    status_shipping = _count()
    status_completed = _count()
    status_rejected = _count()
    status_cancelled = _count()
    orders_approved = _count()
    orders_completed = _count()
    completion_days = _count()
    ordered_amount = _amount()
    shipped_net = _amount()
    shipped_gross = _amount()
    returned_net = _amount()
    returned_gross = _amount()
    paid_amount = _amount()
    shipped_quantity = _quantity()
    returned_quantity = _quantity()

    class Meta:
        abstract = True


M = TypeVar("M", bound=FactMeasures)


def _zero_in_the_database(model: type[M]) -> type[M]:
    """Give ``model``'s measure columns the database default 0, as if each were declared
    with ``db_default=Value(0)`` (set before anything reads the fields, so their migration
    and every use see it), so an insert may name only the measures it changes."""
    for field in model._meta.concrete_fields:
        if field.name in MEASURES:
            field.db_default = models.Value(0)
    return model


class SalesFact(FactMeasures):
    day = models.DateField()
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.BigIntegerField(help_text="id of the customer/product/warehouse/user; 0")

    class Meta:
        permissions = [("view_reports", "Can view sales statistics")]
        constraints = [models.UniqueConstraint(fields=["day", "dimension", "key"],
                                               name="one_sales_fact_per_day_dimension_key")]
        indexes = [models.Index(fields=["dimension", "day", "key"])]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}:{self.key}"


@_zero_in_the_database
class SalesFactDelta(FactMeasures):
    """A change to one ``SalesFact`` row, written by the transaction of the posting it counts.

    Insert-only, so concurrent postings never wait on a shared aggregate row (every order of
    a day would otherwise lock that day's ``all`` row until it commits). ``aggregates.fold``
    moves committed deltas into ``SalesFact``/``SalesFactMonth``; every report folds first,
    so what it reads is exact.

    ``aggregates.record`` inserts only the measures an event changes (two to four of the
    eighteen), so the measure columns default to 0 in the database. Only here: the facts are
    always written whole, and on SQLite a new column default rebuilds the table (once per
    column): eighteen copies of the large fact tables for nothing."""

    day = models.DateField()
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.BigIntegerField()

    def __str__(self) -> str:
        return f"Δ {self.day} {self.dimension}:{self.key}"


class SalesFactMonth(FactMeasures):
    """The same measures summed per calendar month: a ranking over 90 days reads the whole
    months here and only the days at both ends from ``SalesFact``."""

    month = models.DateField(help_text="the first day of the month")
    dimension = models.CharField(max_length=12, choices=Dimension.choices)
    key = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "dimension", "key"],
                                               name="one_sales_fact_per_month_dimension_key")]
        indexes = [models.Index(fields=["dimension", "month", "key"])]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}:{self.key}"


class ReturnReasonFact(models.Model):
    """Received return quantities and values per day, product and reason."""

    day = models.DateField()
    product_id = models.BigIntegerField()
    reason = models.CharField(max_length=20)
    returned_quantity = models.DecimalField(**QUANTITY, default=Decimal(0))
    returned_gross = models.DecimalField(**MONEY, default=Decimal(0))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "product_id", "reason"],
                                               name="one_reason_fact_per_day_product_reason")]
        indexes = [models.Index(fields=["day", "product_id"])]

    def __str__(self) -> str:
        return f"{self.day} {self.product_id} {self.reason}"
