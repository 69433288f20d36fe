from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status
from ninja.pagination import paginate

from wms_sales.common.api import require_perm
from wms_sales.common.idempotency import idempotent
from wms_sales.common.responses import answer_of_write
from wms_sales.common.schemas import Schema
from wms_sales.lifecycle.schemas import HistoryEntryOut
from wms_sales.orders.schemas import OrderLineItemOut

from . import delivery_note, selectors, services
from .models import Outbound, OutboundStatus

router = Router(tags=["outbounds"])


class OutboundLineIn(Schema):
    order_line_id: int
    quantity: Decimal


class OutboundIn(Schema):
    order_id: int
    warehouse_id: int
    lines: list[OutboundLineIn] | None = None  # default: everything open in that warehouse
    planned_ship_date: date | None = None
    carrier: str = ""
    tracking_number: str = ""
    note: str = ""


class PostIn(Schema):
    shipped_at: datetime | None = None  # default: now


class CancelIn(Schema):
    reason: str = ""


OutboundLineOut = OrderLineItemOut


class OutboundSummaryOut(Schema):
    id: int
    number: str
    status: OutboundStatus
    order_id: int
    order_number: str
    customer_name: str
    warehouse_id: int
    warehouse_code: str
    planned_ship_date: date | None
    shipped_at: datetime | None
    carrier: str
    tracking_number: str
    note: str
    cancel_reason: str
    invoice_id: int | None
    invoice_number: str | None
    created_by: str | None
    posted_by: str | None
    created_at: datetime

    @staticmethod
    def resolve_order_number(obj) -> str:
        return obj.order.number

    @staticmethod
    def resolve_customer_name(obj) -> str:
        return obj.order.customer.name

    @staticmethod
    def resolve_warehouse_code(obj) -> str:
        return obj.warehouse.code

    @staticmethod
    def resolve_invoice_number(obj) -> str | None:
        return obj.invoice.number if obj.invoice_id else None

    @staticmethod
    def resolve_created_by(obj) -> str | None:
        return obj.created_by.username if obj.created_by_id else None

    @staticmethod
    def resolve_posted_by(obj) -> str | None:
        return obj.posted_by.username if obj.posted_by_id else None


class OutboundOut(OutboundSummaryOut):
    lines: list[OutboundLineOut]

    @staticmethod
    def resolve_lines(obj) -> list:
        # The lines a write use case holds, else those outbound_detail prefetched.
        lines = getattr(obj, "line_list", None)
        return lines if lines is not None else list(obj.lines.all())


class QueueRowOut(Schema):
    order_id: int
    order_number: str
    customer_name: str
    status: str
    order_date: date
    requested_delivery_date: date | None
    warehouse_id: int
    warehouse_code: str
    open_lines: int
    open_quantity: Decimal
    drafted_quantity: Decimal


def _detail(outbound: Outbound, request: HttpRequest) -> Outbound:
    # The services leave lines with their order line and product, as the detail read does.
    return answer_of_write(outbound, request.user, selectors.outbound_detail,
                           ("created_by", "posted_by"))


@router.get("", response=list[OutboundSummaryOut])
@require_perm("outbound.view_outbound")
@paginate
def list_outbounds(request: HttpRequest, status: OutboundStatus | None = None,
                   order_id: int | None = None, warehouse_id: int | None = None,
                   number: str = "", date_from: date | None = None,
                   date_to: date | None = None):
    return selectors.outbound_list(status=status, order_id=order_id, warehouse_id=warehouse_id,
                                   number=number, date_from=date_from, date_to=date_to)


@router.get("/queue", response=list[QueueRowOut])
@require_perm("outbound.view_outbound")
def ship_queue(request: HttpRequest, warehouse_id: int | None = None):
    """Approved and shipping orders with quantities still open, by warehouse and date."""
    return selectors.ship_queue(warehouse_id=warehouse_id)


@router.post("", response={201: OutboundOut})
@require_perm("outbound.add_outbound")
@idempotent(OutboundOut)
def create_outbound(request: HttpRequest, payload: OutboundIn):
    data = payload.dict()
    if data["lines"] is not None:
        data["lines"] = [dict(line) for line in data["lines"]]
    return Status(201, _detail(services.create_outbound(actor=request.user, **data), request))


@router.get("/{outbound_id}", response=OutboundOut)
@require_perm("outbound.view_outbound")
def get_outbound(request: HttpRequest, outbound_id: int):
    return selectors.outbound_detail(outbound_id)


@router.get("/{outbound_id}/history", response=list[HistoryEntryOut])
@require_perm("outbound.view_outbound")
@paginate
def outbound_history(request: HttpRequest, outbound_id: int):
    """Every change of the outbound's life, oldest first."""
    return selectors.outbound_history(outbound_id)


@router.post("/{outbound_id}/post", response=OutboundOut)
@require_perm("outbound.post_outbound")
@idempotent(OutboundOut)
def post_outbound(request: HttpRequest, outbound_id: int, payload: PostIn | None = None):
    shipped_at = payload.shipped_at if payload else None
    outbound = services.post_outbound(actor=request.user, outbound_id=outbound_id,
                                      shipped_at=shipped_at)
    return Status(200, _detail(outbound, request))


@router.post("/{outbound_id}/cancel", response=OutboundOut)
@require_perm("outbound.change_outbound")
@idempotent(OutboundOut)
def cancel_outbound(request: HttpRequest, outbound_id: int, payload: CancelIn | None = None):
    reason = payload.reason if payload else ""
    outbound = services.cancel_outbound(actor=request.user, outbound_id=outbound_id,
                                        reason=reason)
    return Status(200, _detail(outbound, request))


@router.get("/{outbound_id}/delivery-note.pdf", response={200: None})
@require_perm("outbound.view_outbound")
def delivery_note_pdf(request: HttpRequest, outbound_id: int):
    outbound = selectors.outbound_detail(outbound_id)
    response = HttpResponse(delivery_note.render_pdf(outbound, request),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{outbound.number}.pdf"'
    return response
