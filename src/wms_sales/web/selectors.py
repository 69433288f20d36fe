"""Reads shaped for the UI screens that combine several areas (the home page, the order
page, the customer's account), built from the apps' selectors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from wms_sales.catalog.selectors import product_list
from wms_sales.customers.models import CustomerStatus
from wms_sales.customers.selectors import customer_list
from wms_sales.finance import selectors as finance_selectors
from wms_sales.finance.models import CreditNote, Invoice, InvoiceStatus, Payment
from wms_sales.inventory.models import StockLevel, Warehouse
from wms_sales.inventory.selectors import default_warehouse, stock_levels, warehouse_list
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.orders import selectors as order_selectors
from wms_sales.orders.models import OPEN_STATUSES, OrderStatus, SalesOrder
from wms_sales.orders.services import RETURNABLE_STATUSES
from wms_sales.outbound.models import Outbound
from wms_sales.outbound.selectors import outbound_list, ship_queue
from wms_sales.outbound.services import drafted_quantities
from wms_sales.returns.models import ReturnStatus, SalesReturn
from wms_sales.returns.selectors import return_list
from wms_sales.returns.services import returnable_quantities

# There is no per-product reorder point yet; one threshold flags what needs attention.
LOW_STOCK_AT = Decimal("10")


@dataclass(frozen=True)
class Dashboard:
    active_customers: int
    active_products: int
    active_warehouses: int
    low_stock_at: Decimal
    low_stock_count: int
    low_stock: list[StockLevel]


def dashboard(*, low_stock_at: Decimal = LOW_STOCK_AT, limit: int = 10) -> Dashboard:
    low = stock_levels().filter(available_qty__lte=low_stock_at, product__active=True,
                                warehouse__active=True)
    return Dashboard(
        active_customers=customer_list(status=CustomerStatus.ACTIVE).count(),
        active_products=product_list(active=True).count(),
        active_warehouses=warehouse_list(active=True).count(),
        low_stock_at=low_stock_at,
        low_stock_count=low.count(),
        low_stock=list(low.order_by("available_qty", "product__sku", "warehouse__code")[:limit]),
    )


# --- the order page ----------------------------------------------------------------------

@dataclass(frozen=True)
class OrderPage:
    order: SalesOrder  # from order_detail: ``line_list`` with ``reserved_quantity``
    history: list[DocumentTransition]
    outbounds: list[Outbound]
    invoices: list[Invoice]  # raised by the order's posted outbounds
    returns: list[SalesReturn]
    exposure: dict[str, Decimal]  # the customer's credit exposure, see credit_exposure
    credit_headroom: Decimal | None  # credit limit − exposure; None: no limit
    ship_from: list[Warehouse]  # warehouses with quantities not yet on an outbound
    can_return: bool  # shipped and something is still returnable


def order_page(order_id: int) -> OrderPage:
    order = order_selectors.order_detail(order_id)
    outbounds = list(outbound_list(order_id=order_id))
    ship_from: dict[int, Warehouse] = {}
    if order.status in OPEN_STATUSES:
        drafted = drafted_quantities(order_id)
        ship_from = {line.warehouse_id: line.warehouse for line in order.line_list
                     if line.open_quantity - drafted.get(line.pk, Decimal(0)) > 0}
    exposure = order_selectors.credit_exposure(order.customer_id)
    limit = order.customer.credit_limit
    return OrderPage(
        order=order, history=list(order_selectors.order_history(order_id)),
        outbounds=outbounds, invoices=[o.invoice for o in outbounds if o.invoice is not None],
        returns=list(return_list(order_id=order_id)), exposure=exposure,
        credit_headroom=None if limit is None else limit - exposure["total"],
        ship_from=sorted(ship_from.values(), key=lambda warehouse: warehouse.code),
        can_return=order.status in RETURNABLE_STATUSES
        and any(quantity > 0 for quantity in returnable_quantities(order_id).values()))


# --- receivables -------------------------------------------------------------------------

def open_invoices(customer_id: int) -> QuerySet[Invoice]:
    """A customer's invoices with something left to pay, oldest due first."""
    return (finance_selectors.invoice_list(customer_id=customer_id)
            .exclude(status=InvoiceStatus.PAID).order_by("due_date", "id"))


@dataclass(frozen=True)
class CustomerAccount:
    """What the customer page shows beside the master data; None/empty where the user may
    not see it."""

    balance: dict[str, Decimal] | None
    aging: dict[str, Decimal] | None
    open_credit: Decimal
    refunds_on_account: Decimal
    open_invoices: list[Invoice]
    credit_notes: list[CreditNote]
    orders: list[SalesOrder]
    order_count: int


def customer_account(customer_id: int, *, invoices: bool, credit_notes: bool, orders: bool,
                     limit: int = 20) -> CustomerAccount:
    order_rows = order_selectors.order_list(customer_id=customer_id) if orders else None
    return CustomerAccount(
        balance=finance_selectors.customer_balance(customer_id) if invoices else None,
        aging=finance_selectors.aging(customer_id=customer_id) if invoices else None,
        open_credit=finance_selectors.open_credit_total(customer_id) if invoices else Decimal(0),
        refunds_on_account=refunds_on_account(customer_id) if invoices else Decimal(0),
        open_invoices=list(open_invoices(customer_id)) if invoices else [],
        credit_notes=(list(finance_selectors.credit_note_list(customer_id=customer_id)[:limit])
                      if credit_notes else []),
        orders=list(order_rows[:limit]) if order_rows is not None else [],
        order_count=order_rows.count() if order_rows is not None else 0)


def refunds_on_account(customer_id: int) -> Decimal:
    """Money paid back to the customer that no credit note accounts for (negative payments
    of their own): it raises the balance without reopening any invoice."""
    refunds = Payment.objects.filter(customer_id=customer_id, amount__lt=0,
                                     credit_note__isnull=True).aggregate(total=Sum("amount"))
    return -(refunds["total"] or Decimal(0))


def available_stock(product_ids: list[int], warehouse_id: int | None) -> dict[int, Decimal]:
    """What can still be promised of each product in a warehouse (the default one when none
    is named): on hand less reserved. A product never stocked there is absent."""
    if warehouse_id is None:
        warehouse = default_warehouse()
        if warehouse is None:
            return {}
        warehouse_id = warehouse.pk
    return {level.product_id: level.available_qty
            for level in stock_levels(warehouse_id=warehouse_id).filter(
                product_id__in=product_ids)}


# Each role's first page is its work: what waits for it, oldest first, with counts.
QUEUE_ROWS = 20


@dataclass(frozen=True)
class Queue:
    rows: list
    count: int


@dataclass(frozen=True)
class WorkQueues:
    review_orders: Queue | None
    review_returns: Queue | None
    to_ship: Queue | None
    to_receive: Queue | None
    aging: dict[str, Decimal] | None
    overdue: Queue | None
    unallocated: Queue | None

    @property
    def any(self) -> bool:
        return any(queue is not None for queue in (
            self.review_orders, self.to_ship, self.aging))


def _queue(rows: QuerySet | list) -> Queue:
    if isinstance(rows, list):
        return Queue(rows=rows[:QUEUE_ROWS], count=len(rows))
    return Queue(rows=list(rows[:QUEUE_ROWS]), count=rows.count())


def work_queues(user) -> WorkQueues:
    """The queues of what ``user``'s permissions let them do."""
    reviews = user.has_perm("orders.review_salesorder")
    ships = user.has_perm("outbound.add_outbound")
    collects = user.has_perm("finance.add_payment")
    unallocated = None
    if collects:
        unallocated = _queue(
            Payment.objects.select_related("customer").filter(amount__gt=0)
            .annotate(unallocated=F("amount") - Coalesce(Sum("allocations__amount"),
                                                         Decimal(0)))
            .filter(unallocated__gt=0).order_by("received_on", "id"))
    return WorkQueues(
        review_orders=_queue(order_selectors.order_list(status=OrderStatus.PENDING)
                             .order_by("id")) if reviews else None,
        review_returns=_queue(return_list(status=ReturnStatus.REQUESTED).order_by("id"))
        if user.has_perm("returns.review_salesreturn") else None,
        to_ship=_queue(ship_queue()) if ships else None,
        to_receive=_queue(return_list(status=ReturnStatus.APPROVED).order_by("id"))
        if user.has_perm("returns.receive_salesreturn") else None,
        aging=finance_selectors.aging() if collects else None,
        overdue=_queue(Invoice.objects.select_related("customer")
                       .exclude(status=InvoiceStatus.PAID)
                       .filter(due_date__lt=timezone.localdate()).order_by("due_date", "id"))
        if collects else None,
        unallocated=unallocated)
