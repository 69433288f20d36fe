from datetime import date, datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from wms_sales.common.api import require_perm
from wms_sales.common.idempotency import idempotent
from wms_sales.common.responses import answer_of_write
from wms_sales.common.schemas import IsoDate, Schema
from wms_sales.inventory.schemas import ProductInWarehouseOut
from wms_sales.lifecycle.models import DocumentTransition
from wms_sales.lifecycle.schemas import HistoryEntryOut

from . import selectors, services
from .models import OrderStatus, SalesOrder, SalesOrderLine

router = Router(tags=["orders"])


class LineIn(Schema):
    product_id: int
    quantity: Decimal
    unit_price: Decimal | None = None  # default: the product's list price
    discount_percent: Decimal = Decimal(0)
    tax_rate_percent: Decimal | None = None  # default: the product's tax rate
    warehouse_id: int | None = None  # default: the order's warehouse


class OrderIn(Schema):
    customer_id: int
    lines: list[LineIn]
    warehouse_id: int | None = None  # default: the default warehouse
    requested_delivery_date: date | None = None
    delivery_address_id: int | None = None  # default: the customer's default address
    delivery_address: str | None = None
    delivery_recipient: str | None = None
    delivery_phone: str | None = None
    note: str = ""


class OrderPatch(Schema):
    lines: list[LineIn] | None = None  # replaces every line
    warehouse_id: int | None = None
    requested_delivery_date: date | None = None
    delivery_address_id: int | None = None
    delivery_address: str | None = None
    delivery_recipient: str | None = None
    delivery_phone: str | None = None
    note: str | None = None


class ReasonIn(Schema):
    reason: str = ""


class ApproveIn(Schema):
    override_credit: bool = False
    reason: str = ""  # required with override_credit


class CustomerRef(Schema):
    id: int
    code: str
    name: str


class LineOut(ProductInWarehouseOut):
    id: int
    line_no: int
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate_percent: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    shipped_quantity: Decimal
    returned_quantity: Decimal
    closed_quantity: Decimal
    open_quantity: Decimal
    reserved_quantity: Decimal


class OrderSummaryOut(Schema):
    id: int
    number: str
    status: OrderStatus
    return_status: str
    customer: CustomerRef
    order_date: date
    requested_delivery_date: date | None
    warehouse_id: int
    net_amount: Decimal
    tax_amount: Decimal
    total_amount: Decimal
    line_count: int
    created_by: str | None
    created_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    status_reason: str
    credit_override_reason: str

    @staticmethod
    def resolve_created_by(obj: SalesOrder) -> str | None:
        return obj.created_by.username if obj.created_by is not None else None

    @staticmethod
    def resolve_reviewed_by(obj: SalesOrder) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by is not None else None


class OrderOut(OrderSummaryOut):
    delivery_recipient: str
    delivery_phone: str
    delivery_address: str
    note: str
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: SalesOrder) -> list[SalesOrderLine]:
        return obj.line_list


def _detail(order: SalesOrder, request: HttpRequest) -> SalesOrder:
    # The services leave lines with product, warehouse and reserved quantity, as
    # ``selectors.order_detail`` gives them.
    return answer_of_write(order, request.user, selectors.order_detail,
                           ("created_by", "reviewed_by"))


@router.get("", response=list[OrderSummaryOut])
@require_perm("orders.view_salesorder")
@paginate
def list_orders(request: HttpRequest, status: OrderStatus | None = None,
                customer_id: int | None = None, number: str = "",
                date_from: IsoDate | None = None, date_to: IsoDate | None = None,
                q: str = "") -> QuerySet[SalesOrder]:
    return selectors.order_list(status=status, customer_id=customer_id, number=number,
                                date_from=date_from, date_to=date_to, q=q)


@router.post("", response={201: OrderOut})
@require_perm("orders.add_salesorder")
@idempotent(OrderOut)
def create_order(request: HttpRequest, payload: OrderIn) -> Status[SalesOrder]:
    data = payload.dict()
    order = services.create_order(actor=request.user, **data)
    return Status(201, _detail(order, request))


@router.get("/{order_id}", response=OrderOut)
@require_perm("orders.view_salesorder")
def get_order(request: HttpRequest, order_id: int) -> SalesOrder:
    return selectors.order_detail(order_id)


@router.patch("/{order_id}", response=OrderOut)
@require_perm("orders.change_salesorder")
def update_order(request: HttpRequest, order_id: int, payload: OrderPatch) -> SalesOrder:
    changes = payload.dict(exclude_unset=True)
    services.update_order(actor=request.user, order_id=order_id, **changes)
    return selectors.order_detail(order_id)


@router.get("/{order_id}/history", response=list[HistoryEntryOut])
@require_perm("orders.view_salesorder")
@paginate
def order_history(request: HttpRequest, order_id: int) -> QuerySet[DocumentTransition]:
    """Every change of the order's life, oldest first."""
    return selectors.order_history(order_id)


@router.post("/{order_id}/approve", response=OrderOut)
@require_perm("orders.review_salesorder")
@idempotent(OrderOut)
def approve_order(request: HttpRequest, order_id: int,
                  payload: ApproveIn | None = None) -> Status[SalesOrder]:
    payload = payload or ApproveIn()
    order = services.approve_order(actor=request.user, order_id=order_id,
                                   override_credit=payload.override_credit,
                                   reason=payload.reason)
    return Status(200, _detail(order, request))


@router.post("/{order_id}/reject", response=OrderOut)
@require_perm("orders.review_salesorder")
@idempotent(OrderOut)
def reject_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> Status[SalesOrder]:
    order = services.reject_order(actor=request.user, order_id=order_id, reason=payload.reason)
    return Status(200, _detail(order, request))


@router.post("/{order_id}/cancel", response=OrderOut)
@require_perm("orders.cancel_salesorder")
@idempotent(OrderOut)
def cancel_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> Status[SalesOrder]:
    order = services.cancel_order(actor=request.user, order_id=order_id, reason=payload.reason)
    return Status(200, _detail(order, request))


@router.post("/{order_id}/close", response=OrderOut)
@require_perm("orders.close_salesorder")
@idempotent(OrderOut)
def close_order(request: HttpRequest, order_id: int, payload: ReasonIn) -> Status[SalesOrder]:
    order = services.close_order(actor=request.user, order_id=order_id, reason=payload.reason)
    return Status(200, _detail(order, request))
