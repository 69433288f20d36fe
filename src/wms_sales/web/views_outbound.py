"""Outbound pages (出库单): the warehouse work queue, creating an outbound for an order and a
warehouse, the outbound page with posting and cancelling, the delivery note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from wms_sales.common.errors import ValidationFailed
from wms_sales.inventory.selectors import warehouse_detail
from wms_sales.orders.models import OPEN_STATUSES
from wms_sales.orders.selectors import order_detail
from wms_sales.outbound import delivery_note as notes
from wms_sales.outbound import selectors as outbound_selectors
from wms_sales.outbound import services as outbound_services
from wms_sales.outbound.models import OutboundStatus

from .document_forms import (
    OptionalReasonForm,
    OutboundFilterForm,
    OutboundForm,
    QueueFilterForm,
    ShipLineForm,
)
from .helpers import (
    LineForms,
    data_of,
    document_action,
    form_page,
    found,
    list_page,
    permission,
    post_action,
)

VIEW = "outbound.view_outbound"

# The outbound list's sortable columns (?sort=key or -key).
OUTBOUND_COLUMNS = {"number": "number", "order": "order__number",
                    "customer": "order__customer__name", "warehouse": "warehouse__name",
                    "status": "status", "planned": "planned_ship_date", "shipped": "shipped_at"}


@permission(VIEW)
def outbound_queue(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=QueueFilterForm,
                     selector=outbound_selectors.ship_queue, template="web/outbound/queue.html",
                     partial="web/outbound/_queue_table.html")


@permission(VIEW)
def outbound_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=OutboundFilterForm,
                     selector=outbound_selectors.outbound_list,
                     template="web/outbound/list.html", partial="web/outbound/_table.html",
                     sortable=OUTBOUND_COLUMNS)


@permission("outbound.add_outbound")
def outbound_create(request: HttpRequest, pk: int, warehouse_id: int) -> HttpResponse:
    """An outbound of one order from one warehouse: one quantity per open line, by default
    everything not yet on another draft; a smaller quantity ships part of the line."""
    order = found(order_detail, pk)
    warehouse = found(warehouse_detail, warehouse_id)
    back = reverse("web:order_detail", args=[pk])
    if order.status not in OPEN_STATUSES:
        messages.error(request, _("Only approved or shipping orders can ship."))
        return redirect(back)
    drafted = outbound_services.drafted_quantities(pk)
    open_lines = [line for line in order.line_list
                  if line.warehouse_id == warehouse.pk and line.open_quantity > 0]
    lines = LineForms([
        ShipLineForm(data_of(request), line=line,
                     free=line.open_quantity - drafted.get(line.pk, 0))
        for line in open_lines if line.open_quantity > drafted.get(line.pk, 0)])
    if not lines.forms:
        messages.error(request, _("Nothing is left to ship from %(warehouse)s: what is open "
                                  "is on draft outbounds already.") % {"warehouse": warehouse})
        return redirect(back)
    form = OutboundForm(data_of(request))

    def save(data: dict[str, Any]) -> Any:
        if not lines.sent():
            raise ValidationFailed({"lines": "An outbound needs at least one line."})
        return outbound_services.create_outbound(actor=request.user, order_id=pk,
                                                 warehouse_id=warehouse.pk,
                                                 lines=lines.payload(), **data)

    return form_page(
        request, form, save, template="web/outbound/create.html", lines=lines,
        heading=_("New outbound for %(order)s from %(warehouse)s") % {
            "order": order.number, "warehouse": warehouse.name},
        success=lambda outbound: _("Outbound %(outbound)s created.") % {"outbound": outbound},
        success_url=lambda outbound: reverse("web:outbound_detail", args=[outbound.pk]),
        cancel_url=back, submit_label=_("Create outbound"), order=order, warehouse=warehouse,
        fully_drafted=[line for line in open_lines
                       if line.open_quantity <= drafted.get(line.pk, 0)])


def _outbound_page(request: HttpRequest, pk: int, **bound: forms.Form) -> HttpResponse:
    outbound = found(outbound_selectors.outbound_detail, pk)
    draft = outbound.status == OutboundStatus.DRAFT
    cancel_form = None
    if draft and request.user.has_perm("outbound.change_outbound"):
        cancel_form = bound.get("cancel") or OptionalReasonForm(prefix="cancel")
    return render(request, "web/outbound/detail.html", {
        "outbound": outbound, "order": outbound.order, "lines": list(outbound.lines.all()),
        "can_post": draft and request.user.has_perm("outbound.post_outbound"),
        "cancel_form": cancel_form, "history": list(outbound_selectors.outbound_history(pk))})


@permission(VIEW)
def outbound_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _outbound_page(request, pk)


@require_POST
@permission("outbound.post_outbound")
def outbound_post(request: HttpRequest, pk: int) -> HttpResponse:
    return post_action(
        request, lambda: outbound_services.post_outbound(actor=request.user, outbound_id=pk),
        done=_("Outbound posted: the stock is issued and the invoice raised."),
        then=reverse("web:outbound_detail", args=[pk]))


outbound_cancel = document_action(
    perm="outbound.change_outbound", prefix="cancel", form_class=OptionalReasonForm,
    call=lambda actor, pk, data: outbound_services.cancel_outbound(
        actor=actor, outbound_id=pk, reason=data["reason"]),
    done=gettext_lazy("Outbound cancelled."), detail="web:outbound_detail",
    page=_outbound_page)


@permission(VIEW)
def delivery_note(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable delivery note (its template carries the print stylesheet)."""
    return HttpResponse(notes.render_html(found(outbound_selectors.outbound_detail, pk), request))


@permission(VIEW)
def delivery_note_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    outbound = found(outbound_selectors.outbound_detail, pk)
    response = HttpResponse(notes.render_pdf(outbound, request), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{outbound.number}.pdf"'
    return response
