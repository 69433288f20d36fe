"""Return pages (退货单): requesting a return on a shipped order, the list, and the return
page with approval, rejection and receiving."""

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
from wms_sales.orders.selectors import order_detail
from wms_sales.orders.services import RETURNABLE_STATUSES
from wms_sales.returns import selectors as return_selectors
from wms_sales.returns import services as return_services
from wms_sales.returns.models import ReturnStatus
from wms_sales.returns.states import TRANSITIONS

from .document_forms import (
    ReasonForm,
    ReceiveForm,
    ReceiveLineForm,
    ReturnFilterForm,
    ReturnForm,
    ReturnLineForm,
)
from .helpers import (
    LineForms,
    data_of,
    document_action,
    form_action,
    form_page,
    found,
    list_page,
    permission,
    post_action,
)

VIEW = "returns.view_salesreturn"
# The return list's sortable columns (?sort=key or -key).
RETURN_COLUMNS = {"number": "number", "order": "order__number", "customer": "order__customer__name",
                  "status": "status", "requested": "requested_at", "received": "received_at"}


@permission(VIEW)
def return_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=ReturnFilterForm,
                     selector=return_selectors.return_list, template="web/returns/list.html",
                     partial="web/returns/_table.html", sortable=RETURN_COLUMNS)


@permission("returns.add_salesreturn")
def return_create(request: HttpRequest, pk: int) -> HttpResponse:
    """A return against a shipped order, each line prefilled with what can still come back."""
    order = found(order_detail, pk)
    back = reverse("web:order_detail", args=[pk])
    if order.status not in RETURNABLE_STATUSES:
        messages.error(request, _("Only shipped orders can have returns."))
        return redirect(back)
    returnable = return_services.returnable_quantities(pk)
    lines = LineForms([ReturnLineForm(data_of(request), line=line, returnable=returnable[line.pk])
                       for line in order.line_list if returnable.get(line.pk, 0) > 0])
    if not lines.forms:
        messages.error(request, _("Nothing of this order can be returned any more."))
        return redirect(back)

    def save(data: dict[str, Any]) -> Any:
        if not lines.sent():
            raise ValidationFailed({"lines": "A return needs at least one line."})
        return return_services.create_return(actor=request.user, order_id=pk,
                                              lines=lines.payload(), note=data["note"])

    return form_page(
        request, ReturnForm(data_of(request)), save, template="web/returns/create.html",
        lines=lines, heading=_("Return of order %(order)s") % {"order": order.number},
        success=lambda sales_return: _("Return %(number)s requested.") % {
            "number": sales_return.number},
        success_url=lambda sales_return: reverse("web:return_detail", args=[sales_return.pk]),
        cancel_url=back, submit_label=_("Request return"), order=order)


def _receive_lines(sales_return: Any, data: Any) -> LineForms:
    return LineForms([ReceiveLineForm(data, line=line) for line in sales_return.lines.all()])


def _return_page(request: HttpRequest, pk: int, *, receive_lines: LineForms | None = None,
                 **bound: forms.Form) -> HttpResponse:
    sales_return = found(return_selectors.return_detail, pk)
    user, after = request.user, TRANSITIONS[sales_return.status]
    reviewer = user.has_perm("returns.review_salesreturn")
    receiving = ReturnStatus.RECEIVED in after and user.has_perm("returns.receive_salesreturn")
    return render(request, "web/returns/detail.html", {
        "sales_return": sales_return, "order": sales_return.order,
        "lines": list(sales_return.lines.all()),
        "can_approve": ReturnStatus.APPROVED in after and reviewer,
        "reject_form": (bound.get("reject") or ReasonForm(prefix="reject"))
        if ReturnStatus.REJECTED in after and reviewer else None,
        "receive_form": (bound.get("receive") or ReceiveForm(prefix="receive"))
        if receiving else None,
        "receive_lines": (receive_lines or _receive_lines(sales_return, None))
        if receiving else None,
        "history": list(return_selectors.return_history(pk)),
    })


@permission(VIEW)
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _return_page(request, pk)


@require_POST
@permission("returns.review_salesreturn")
def return_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return post_action(
        request, lambda: return_services.approve_return(actor=request.user, return_id=pk),
        done=_("Return approved; the goods can be received."),
        then=reverse("web:return_detail", args=[pk]))


return_reject = document_action(
    perm="returns.review_salesreturn", prefix="reject", form_class=ReasonForm,
    call=lambda actor, pk, data: return_services.reject_return(
        actor=actor, return_id=pk, reason=data["reason"]),
    done=gettext_lazy("Return rejected."), detail="web:return_detail", page=_return_page)


@permission("returns.receive_salesreturn")
def return_receive(request: HttpRequest, pk: int) -> HttpResponse:
    """Receive the goods: good quantities back to stock, damaged written off, credit note."""
    if request.method != "POST":  # see helpers.document_action
        return redirect("web:return_detail", pk=pk)
    sales_return = found(return_selectors.return_detail, pk)
    form = ReceiveForm(request.POST, prefix="receive")
    lines = _receive_lines(sales_return, request.POST)
    return form_action(
        request, form, lambda data: return_services.receive_return(
            actor=request.user, return_id=pk,
            warehouse_id=data["warehouse"].pk if data.get("warehouse") else None,
            lines=lines.payload()),
        lines=lines, done=_("Return received; the credit note is raised."),
        then=reverse("web:return_detail", args=[pk]),
        page=lambda bound: _return_page(request, pk, receive=bound, receive_lines=lines))
