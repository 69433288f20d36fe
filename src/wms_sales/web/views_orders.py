"""Sales order pages: list, entry and edit with live totals, the order page with its review
actions, history and related documents."""

from __future__ import annotations

from decimal import Decimal
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_stubs_ext import StrOrPromise

from wms_sales.catalog.selectors import product_list
from wms_sales.common.actors import Actor
from wms_sales.orders import selectors as order_selectors
from wms_sales.orders import services as order_services
from wms_sales.orders.models import OrderStatus, SalesOrder
from wms_sales.orders.states import TRANSITIONS

from . import printables, selectors
from .document_forms import (
    PRODUCT_OPTIONS,
    ApproveForm,
    OrderFilterForm,
    OrderForm,
    OrderLineFormSet,
    ReasonForm,
    order_line_initial,
    product_label,
)
from .helpers import (
    LineForms,
    data_of,
    document_action,
    form_page,
    found,
    list_page,
    permission,
)

VIEW = "orders.view_salesorder"
# The order list's sortable columns (?sort=key or -key).
ORDER_COLUMNS = {"number": "number", "date": "order_date", "customer": "customer__name",
                 "status": "status", "requested": "requested_delivery_date",
                 "lines": "line_count", "total": "total_amount"}
OVERRIDE = "orders.override_credit_limit"


@permission(VIEW)
def order_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=OrderFilterForm, selector=order_selectors.order_list,
                     template="web/orders/list.html", partial="web/orders/_table.html",
                     sortable=ORDER_COLUMNS)


# --- entry -------------------------------------------------------------------------------

def _line_formset(data: Any, initial: list[dict[str, Any]] | None = None) -> Any:
    return OrderLineFormSet(data, initial=initial, prefix="lines")


def _totals(formset: Any) -> dict[str, Any]:
    """Per-row amounts and the order's totals, by the services' own line arithmetic."""
    priced = [(form, form.amounts()) for form in formset.forms]
    amounts = [a for _form, a in priced if a is not None]
    net = sum((a.net for a in amounts), Decimal(0))
    tax = sum((a.tax for a in amounts), Decimal(0))
    return {"priced": priced, "net": net, "tax": tax, "total": net + tax,
            "priced_count": len(amounts)}


def _order_form_page(request: HttpRequest, form: OrderForm, formset: Any, *,
                     save: Any, heading: str, cancel_url: str, done: str) -> HttpResponse:
    return form_page(
        request, form, save, heading=heading, template="web/orders/form.html",
        success=lambda order: done % {"order": order.number},
        success_url=lambda order: reverse("web:order_detail", args=[order.pk]),
        cancel_url=cancel_url, submit_label=_("Save order"), lines=LineForms(formset.forms),
        formset=formset, totals=_totals(formset))


@permission("orders.add_salesorder")
def order_create(request: HttpRequest) -> HttpResponse:
    initial = {"customer": request.GET["customer"]} if request.GET.get("customer") else {}
    form = OrderForm(data_of(request), initial=initial)
    formset = _line_formset(data_of(request))
    return _order_form_page(
        request, form, formset, heading=_("New sales order"),
        save=lambda _data: order_services.create_order(
            actor=request.user, lines=LineForms(formset.forms).payload(), **form.service_args()),
        cancel_url=reverse("web:order_list"), done=_("Order %(order)s created."))


@permission("orders.change_salesorder")
def order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = found(order_selectors.order_detail, pk)
    if order.status != OrderStatus.PENDING:
        messages.error(request, _("Only pending orders can be edited."))
        return redirect("web:order_detail", pk=pk)
    form = OrderForm(data_of(request), order=order)
    formset = _line_formset(data_of(request), initial=order_line_initial(order.line_list))
    return _order_form_page(
        request, form, formset, heading=_("Edit order %(order)s") % {"order": order.number},
        save=lambda _data: order_services.update_order(
            actor=request.user, order_id=pk, lines=LineForms(formset.forms).payload(),
            **form.service_args()),
        cancel_url=reverse("web:order_detail", args=[pk]), done=_("Order %(order)s saved."))


def entry_permission(view: Any) -> Any:
    """The entry form's helpers serve both the new-order and the edit page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.has_perm("orders.add_salesorder")
                or request.user.has_perm("orders.change_salesorder")):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_POST
@entry_permission
def order_price(request: HttpRequest) -> HttpResponse:
    """The live totals of the entry form: the totals box, and each row's amount out of band."""
    formset = _line_formset(request.POST)
    return render(request, "web/orders/_totals.html", {"totals": _totals(formset), "oob": True})


@entry_permission
def order_product_options(request: HttpRequest) -> HttpResponse:
    """The options of a line's product search (SKU or name): an exact SKU first, each with
    its list price and what is available in the line's warehouse."""
    search = request.GET.get("product_search", "").strip()
    products = list(product_list(q=search, active=True).order_by("sku")[:PRODUCT_OPTIONS])
    products.sort(key=lambda product: product.sku.casefold() != search.casefold())
    warehouse_id = request.GET.get("warehouse", "")
    available = selectors.available_stock(
        [product.pk for product in products],
        int(warehouse_id) if warehouse_id.isdigit() else None)
    return render(request, "web/orders/_product_options.html", {
        "options": [(product, product_label(product), available.get(product.pk))
                    for product in products],
        "search": search})


@entry_permission
def order_addresses(request: HttpRequest) -> HttpResponse:
    """The delivery address choices of the chosen customer, their default preselected."""
    form = OrderForm(initial={"customer": request.GET.get("customer", "")})
    return HttpResponse(str(form["delivery_address"]))


# --- the order page ----------------------------------------------------------------------

def _order_page(request: HttpRequest, pk: int, **bound: forms.Form) -> HttpResponse:
    page = found(selectors.order_page, pk)
    order, user = page.order, request.user
    after = TRANSITIONS[order.status]
    can = {
        "approve": OrderStatus.APPROVED in after and user.has_perm("orders.review_salesorder")
        and order_services.approval_forbidden_reason(user, order) is None,
        "reject": OrderStatus.REJECTED in after and user.has_perm("orders.review_salesorder"),
        "cancel": OrderStatus.CANCELLED in after and user.has_perm("orders.cancel_salesorder"),
        "close": OrderStatus.COMPLETED in after and user.has_perm("orders.close_salesorder"),
    }
    action_forms = {
        name: bound.get(name) or (
            ApproveForm(prefix=name, can_override=user.has_perm(OVERRIDE)) if name == "approve"
            else ReasonForm(prefix=name))
        for name, allowed in can.items() if allowed}
    return render(request, "web/orders/detail.html", {
        "page": page, "order": order, "forms": action_forms,
        "can_edit": order.status == OrderStatus.PENDING
        and user.has_perm("orders.change_salesorder"),
        "can_ship": user.has_perm("outbound.add_outbound") and page.ship_from,
        "can_return": page.can_return and user.has_perm("returns.add_salesreturn"),
        "over_limit": page.credit_headroom is not None and order.status == OrderStatus.PENDING
        and order.total_amount > page.credit_headroom,
    })


@permission(VIEW)
def order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _order_page(request, pk)


def _approve(actor: Actor, pk: int, data: dict[str, Any]) -> SalesOrder:
    return order_services.approve_order(actor=actor, order_id=pk,
                                        override_credit=data.get("override_credit", False),
                                        reason=data.get("reason", ""))


def _with_reason(service: Any) -> Any:
    return lambda actor, pk, data: service(actor=actor, order_id=pk, reason=data["reason"])


def _order_action(prefix: str, perm: str, call: Any, done: StrOrPromise,
                  **kwargs: Any) -> Any:
    return document_action(perm=perm, prefix=prefix, call=call, done=done,
                           detail="web:order_detail", page=_order_page,
                           form_class=kwargs.pop("form_class", ReasonForm), **kwargs)


order_approve = _order_action(
    "approve", "orders.review_salesorder", _approve,
    gettext_lazy("Order approved; its stock is reserved."), form_class=ApproveForm,
    form_kwargs=lambda request, _pk: {"can_override": request.user.has_perm(OVERRIDE)})
order_reject = _order_action("reject", "orders.review_salesorder",
                             _with_reason(order_services.reject_order),
                             gettext_lazy("Order rejected."))
order_cancel = _order_action("cancel", "orders.cancel_salesorder",
                             _with_reason(order_services.cancel_order),
                             gettext_lazy("Order cancelled; its reservations are released."))
order_close = _order_action("close", "orders.close_salesorder",
                            _with_reason(order_services.close_order),
                            gettext_lazy("Order closed short; what was not shipped is released."))



@permission(VIEW)
def order_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable order confirmation."""
    return printables.page(found(order_selectors.order_detail, pk), request)


@permission(VIEW)
def order_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return printables.pdf(found(order_selectors.order_detail, pk), request)
