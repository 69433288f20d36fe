from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Status
from ninja.pagination import paginate

from wms_sales.common.api import require_perm
from wms_sales.common.idempotency import idempotent
from wms_sales.common.responses import answer_of_write
from wms_sales.common.schemas import Schema
from wms_sales.lifecycle.schemas import HistoryEntryOut
from wms_sales.orders.schemas import OrderLineItemOut

from . import selectors, services
from .models import Condition, ReturnReason, ReturnStatus, SalesReturn

router = Router(tags=["returns"])


class ReturnLineIn(Schema):
    order_line_id: int
    quantity: Decimal
    expected_condition: Condition = Condition.GOOD
    reason: ReturnReason = ReturnReason.OTHER
    reason_text: str = ""


class ReturnIn(Schema):
    order_id: int
    lines: list[ReturnLineIn]
    note: str = ""


class ReasonIn(Schema):
    reason: str = ""


class ReceivedLineIn(Schema):
    return_line_id: int
    good_quantity: Decimal = Decimal(0)
    damaged_quantity: Decimal = Decimal(0)


class ReceiveIn(Schema):
    warehouse_id: int | None = None  # default: each line's shipping warehouse
    lines: list[ReceivedLineIn] | None = None  # default: all, in the expected condition


class ReturnLineOut(OrderLineItemOut):
    expected_condition: str
    reason: str
    reason_text: str
    received_good: Decimal
    received_damaged: Decimal


class ReturnOut(Schema):
    id: int
    number: str
    status: ReturnStatus
    order_id: int
    order_number: str
    customer_id: int
    customer_name: str
    note: str
    status_reason: str
    warehouse_id: int | None
    credit_note_id: int | None
    credit_note_number: str | None
    requested_by: str | None
    requested_at: datetime
    reviewed_by: str | None
    reviewed_at: datetime | None
    received_by: str | None
    received_at: datetime | None
    lines: list[ReturnLineOut]

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_customer_id(obj) -> int:
        return obj.order.customer_id

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.order.customer.name

    @staticmethod
    def resolve_credit_note_number(obj) -> str | None:
        return obj.credit_note.number if obj.credit_note_id else None

    @staticmethod
    def resolve_requested_by(obj) -> str | None:
        return obj.requested_by.username if obj.requested_by_id else None

    @staticmethod
    def resolve_reviewed_by(obj) -> str | None:
        return obj.reviewed_by.username if obj.reviewed_by_id else None

    @staticmethod
    def resolve_received_by(obj) -> str | None:
        return obj.received_by.username if obj.received_by_id else None

    @staticmethod
    def resolve_lines(obj) -> list:
        # The lines a write use case holds, else those return_detail/the list prefetched.
        lines = getattr(obj, "line_list", None)
        return lines if lines is not None else list(obj.lines.all())


def _detail(sales_return: SalesReturn, request: HttpRequest) -> SalesReturn:
    # The services leave the return with its lines, their order line and product, as the
    # detail read gives them.
    return answer_of_write(sales_return, request.user, selectors.return_detail,
                           ("requested_by", "reviewed_by", "received_by"))


@router.get("", response=list[ReturnOut])
@require_perm("returns.view_salesreturn")
@paginate
def list_returns(request: HttpRequest, status: ReturnStatus | None = None,
                 order_id: int | None = None, customer_id: int | None = None,
                 number: str = "", date_from: date | None = None,
                 date_to: date | None = None):
    return selectors.return_list(status=status, order_id=order_id, customer_id=customer_id,
                                 number=number, date_from=date_from,
                                 date_to=date_to).prefetch_related("lines__order_line__product")


@router.post("", response={201: ReturnOut})
@require_perm("returns.add_salesreturn")
@idempotent(ReturnOut)
def create_return(request: HttpRequest, payload: ReturnIn):
    sales_return = services.create_return(
        actor=request.user, order_id=payload.order_id, note=payload.note,
        lines=[line.dict() for line in payload.lines])
    return Status(201, _detail(sales_return, request))


@router.get("/{return_id}", response=ReturnOut)
@require_perm("returns.view_salesreturn")
def get_return(request: HttpRequest, return_id: int):
    return selectors.return_detail(return_id)


@router.get("/{return_id}/history", response=list[HistoryEntryOut])
@require_perm("returns.view_salesreturn")
@paginate
def return_history(request: HttpRequest, return_id: int):
    """Every change of the return's life, oldest first."""
    return selectors.return_history(return_id)


@router.post("/{return_id}/approve", response=ReturnOut)
@require_perm("returns.review_salesreturn")
@idempotent(ReturnOut)
def approve_return(request: HttpRequest, return_id: int):
    return Status(200, _detail(services.approve_return(actor=request.user,
                                                       return_id=return_id), request))


@router.post("/{return_id}/reject", response=ReturnOut)
@require_perm("returns.review_salesreturn")
@idempotent(ReturnOut)
def reject_return(request: HttpRequest, return_id: int, payload: ReasonIn):
    return Status(200, _detail(services.reject_return(actor=request.user, return_id=return_id,
                                                      reason=payload.reason), request))


@router.post("/{return_id}/receive", response=ReturnOut)
@require_perm("returns.receive_salesreturn")
@idempotent(ReturnOut)
def receive_return(request: HttpRequest, return_id: int, payload: ReceiveIn | None = None):
    payload = payload or ReceiveIn()
    lines = [line.dict() for line in payload.lines] if payload.lines is not None else None
    return Status(200, _detail(services.receive_return(
        actor=request.user, return_id=return_id, warehouse_id=payload.warehouse_id,
        lines=lines), request))
