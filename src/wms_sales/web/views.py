"""UI views: parse with a form, call one service or selector, render. Writes go through the
apps' services only; their refusals come back as form errors or messages (helpers)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from wms_sales.catalog import selectors as catalog_selectors
from wms_sales.catalog import services as catalog_services
from wms_sales.customers import selectors as customer_selectors
from wms_sales.customers import services as customer_services
from wms_sales.customers.models import Customer, CustomerAddress, CustomerStatus
from wms_sales.inventory import selectors as inventory_selectors
from wms_sales.inventory import services as inventory_services

from . import selectors
from .forms import (
    ActiveFilterForm,
    AddressForm,
    CustomerFilterForm,
    CustomerForm,
    FirstAddressForm,
    LedgerFilterForm,
    NewAddressForm,
    ProductFilterForm,
    ProductForm,
    StockChangeForm,
    StockFilterForm,
    StocktakeForm,
    WarehouseForm,
    initial_from,
)
from .helpers import data_of, domain_errors, form_page, found, list_page, permission, post_action


def login_locked_out(request: HttpRequest, original_response: Any = None,
                     credentials: Any = None) -> HttpResponse:
    """django-axes' answer once an account or an address made too many failed logins: the
    login page again, saying why and what to do, as 429."""
    from django.conf import settings
    from django.contrib.auth.forms import AuthenticationForm

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = _("Too many failed logins for this account or from this address. Try again in "
                "%(minutes)d minutes, or ask an administrator to unlock it.") % {
        "minutes": minutes}
    return render(request, "web/login.html",
                  {"form": AuthenticationForm(request), "lockout_message": message}, status=429)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"dashboard": selectors.dashboard()})

# Each list's sortable columns (?sort=key or -key).
CUSTOMER_COLUMNS = {"code": "code", "name": "name", "credit_limit": "credit_limit",
                    "terms": "payment_terms_days", "status": "status"}
PRODUCT_COLUMNS = {"sku": "sku", "name": "name", "unit": "unit", "price": "list_price",
                   "active": "active"}
STOCK_COLUMNS = {"sku": "product__sku", "product": "product__name", "warehouse": "warehouse__name",
                 "on_hand": "on_hand", "reserved": "reserved", "available": "available_qty",
                 "updated": "updated_at"}

# --- customers ---------------------------------------------------------------------------

@permission("customers.view_customer")
def customer_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=CustomerFilterForm,
                     selector=customer_selectors.customer_list,
                     template="web/customers/list.html", partial="web/customers/_table.html",
                     sortable=CUSTOMER_COLUMNS)


@permission("customers.add_customer")
def customer_create(request: HttpRequest) -> HttpResponse:
    form = CustomerForm(data_of(request), can_change_credit_limit=request.user.has_perm(
        "customers.change_credit_limit"))
    address_form = FirstAddressForm(data_of(request), prefix="address")
    # Validate both (no short-circuit) so every error shows at once.
    if request.method == "POST" and all([form.is_valid(), address_form.is_valid()]):
        addresses = [address_form.cleaned_data] if address_form.has_data else []
        with domain_errors(form, {"addresses[0].": address_form}):
            customer = customer_services.create_customer(
                actor=request.user, addresses=addresses, **form.cleaned_data)
            messages.success(request, _("Customer %(customer)s created.") % {
                "customer": customer})
            return redirect("web:customer_detail", pk=customer.pk)
    return render(request, "web/customers/create.html",
                  {"form": form, "address_form": address_form})


def _customer_page(request: HttpRequest, customer: Customer, *,
                   form: CustomerForm | None = None,
                   address_form: NewAddressForm | None = None) -> HttpResponse:
    user = request.user
    can_edit = user.has_perm("customers.change_customer")
    if form is None and can_edit:
        form = _customer_form(request, customer, data=None)
    return render(request, "web/customers/detail.html", {
        "customer": customer, "form": form, "can_edit": can_edit,
        "address_form": address_form or NewAddressForm(prefix="address"),
        "can_deactivate": can_edit and customer.status != CustomerStatus.INACTIVE,
        "account": selectors.customer_account(
            customer.pk, invoices=user.has_perm("finance.view_invoice"),
            credit_notes=user.has_perm("finance.view_creditnote"),
            orders=user.has_perm("orders.view_salesorder")),
        "history": list(customer_selectors.customer_history(customer.pk)),
    })


def _customer_form(request: HttpRequest, customer: Customer, data: Any) -> CustomerForm:
    return CustomerForm(data, initial=initial_from(customer, CustomerForm), editing=True,
                        can_change_credit_limit=request.user.has_perm(
                            "customers.change_credit_limit"))


@permission("customers.view_customer")
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = found(customer_selectors.customer_detail, pk)
    if request.method != "POST":
        return _customer_page(request, customer)
    if not request.user.has_perm("customers.change_customer"):
        raise PermissionDenied
    form = _customer_form(request, customer, data=request.POST)
    if form.is_valid():
        with domain_errors(form):
            customer_services.update_customer(actor=request.user, customer_id=pk,
                                              **form.cleaned_data)
            messages.success(request, _("Customer %(customer)s saved.") % {
                "customer": form.cleaned_data["code"]})
            return redirect("web:customer_detail", pk=pk)
    return _customer_page(request, customer, form=form)


@require_POST
@permission("customers.change_customer")
def customer_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return post_action(
        request, lambda: customer_services.deactivate_customer(actor=request.user, customer_id=pk),
        done=_("The customer was deactivated."), then=reverse("web:customer_detail", args=[pk]))


@require_POST
@permission("customers.change_customer")
def customer_address_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = found(customer_selectors.customer_detail, pk)
    address_form = NewAddressForm(request.POST, prefix="address")
    if address_form.is_valid():
        with domain_errors(address_form):
            customer_services.add_address(actor=request.user, customer_id=pk,
                                          **address_form.cleaned_data)
            messages.success(request, _("Address added."))
            return redirect("web:customer_detail", pk=pk)
    return _customer_page(request, customer, address_form=address_form)


def _address_of(customer_id: int, address_id: int) -> tuple[Customer, CustomerAddress]:
    customer = found(customer_selectors.customer_detail, customer_id)
    address = next((a for a in customer.addresses.all() if a.pk == address_id), None)
    if address is None:
        raise Http404
    return customer, address


@permission("customers.change_customer")
def customer_address_edit(request: HttpRequest, pk: int, address_id: int) -> HttpResponse:
    customer, address = _address_of(pk, address_id)
    back = reverse("web:customer_detail", args=[pk])
    return form_page(
        request, AddressForm(data_of(request), initial=initial_from(address, AddressForm)),
        lambda data: customer_services.update_address(
            actor=request.user, customer_id=pk, address_id=address_id, **data),
        heading=_("Edit address of %(customer)s") % {"customer": customer},
        success=lambda _address: _("Address saved."), success_url=lambda _address: back,
        cancel_url=back)


@require_POST
@permission("customers.change_customer")
def customer_address_delete(request: HttpRequest, pk: int, address_id: int) -> HttpResponse:
    return post_action(
        request, lambda: customer_services.delete_address(
            actor=request.user, customer_id=pk, address_id=address_id),
        done=_("Address deleted."), then=reverse("web:customer_detail", args=[pk]))


@require_POST
@permission("customers.change_customer")
def customer_address_default(request: HttpRequest, pk: int, address_id: int) -> HttpResponse:
    return post_action(
        request, lambda: customer_services.update_address(
            actor=request.user, customer_id=pk, address_id=address_id, is_default=True),
        done=_("Default delivery address changed."),
        then=reverse("web:customer_detail", args=[pk]))


# --- products ----------------------------------------------------------------------------

@permission("catalog.view_product")
def product_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=ProductFilterForm,
                     selector=catalog_selectors.product_list,
                     template="web/products/list.html", partial="web/products/_table.html",
                     sortable=PRODUCT_COLUMNS)


@permission("catalog.add_product")
def product_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request, ProductForm(data_of(request)),
        lambda data: catalog_services.create_product(actor=request.user, **data),
        heading=_("New product"),
        success=lambda product: _("Product %(product)s created.") % {"product": product},
        success_url=lambda _product: reverse("web:product_list"),
        cancel_url=reverse("web:product_list"))


@permission("catalog.change_product")
def product_edit(request: HttpRequest, pk: int) -> HttpResponse:
    product = found(catalog_selectors.product_detail, pk)
    return form_page(
        request, ProductForm(data_of(request), initial=initial_from(product, ProductForm)),
        lambda data: catalog_services.update_product(actor=request.user, product_id=pk, **data),
        heading=_("Edit product %(product)s") % {"product": product},
        success=lambda saved: _("Product %(product)s saved.") % {"product": saved},
        success_url=lambda _product: reverse("web:product_list"),
        cancel_url=reverse("web:product_list"))


# --- warehouses --------------------------------------------------------------------------

@permission("inventory.view_warehouse")
def warehouse_list(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=ActiveFilterForm,
                     selector=inventory_selectors.warehouse_list,
                     template="web/warehouses/list.html", partial="web/warehouses/_table.html")


@permission("inventory.add_warehouse")
def warehouse_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request, WarehouseForm(data_of(request)),
        lambda data: inventory_services.create_warehouse(actor=request.user, **data),
        heading=_("New warehouse"),
        success=lambda wh: _("Warehouse %(warehouse)s created.") % {"warehouse": wh},
        success_url=lambda _wh: reverse("web:warehouse_list"),
        cancel_url=reverse("web:warehouse_list"))


@permission("inventory.change_warehouse")
def warehouse_edit(request: HttpRequest, pk: int) -> HttpResponse:
    warehouse = found(inventory_selectors.warehouse_detail, pk)
    return form_page(
        request, WarehouseForm(data_of(request), initial=initial_from(warehouse, WarehouseForm)),
        lambda data: inventory_services.update_warehouse(
            actor=request.user, warehouse_id=pk, **data),
        heading=_("Edit warehouse %(warehouse)s") % {"warehouse": warehouse},
        success=lambda wh: _("Warehouse %(warehouse)s saved.") % {"warehouse": wh},
        success_url=lambda _wh: reverse("web:warehouse_list"),
        cancel_url=reverse("web:warehouse_list"))


# --- stock -------------------------------------------------------------------------------

@permission("inventory.view_stocklevel")
def stock_levels(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=StockFilterForm,
                     selector=inventory_selectors.stock_levels,
                     template="web/stock/levels.html", partial="web/stock/_levels_table.html",
                     sortable=STOCK_COLUMNS,
                     low_stock_at=selectors.LOW_STOCK_AT)


@permission("inventory.view_stockmove")
def ledger(request: HttpRequest) -> HttpResponse:
    return list_page(request, filter_form=LedgerFilterForm,
                     selector=inventory_selectors.stock_moves,
                     template="web/stock/ledger.html", partial="web/stock/_ledger_table.html",
                     per_page=50)


def _levels_of(product_sku: str) -> str:
    return f"{reverse('web:stock_levels')}?{urlencode({'q': product_sku})}"


def _preselected(request: HttpRequest) -> dict[str, str]:
    """Links from a stock level open the forms with its product and warehouse chosen."""
    return {k: request.GET[k] for k in ("product", "warehouse") if request.GET.get(k)}


@permission("inventory.add_stockmove")
def stock_change(request: HttpRequest) -> HttpResponse:
    form = StockChangeForm(data_of(request), initial=_preselected(request))
    return form_page(
        request, form,
        lambda _data: inventory_services.record_stock_change(
            actor=request.user, **form.service_args()),
        heading=_("Receive or adjust stock"), submit_label=_("Post"),
        success=lambda move: _(
            "Posted %(quantity)s of %(product)s in %(warehouse)s; on hand now %(balance)s.") % {
            "quantity": _quantity(move.quantity, move.product), "product": move.product,
            "warehouse": move.warehouse, "balance": _quantity(move.balance_after, move.product)},
        success_url=lambda move: _levels_of(move.product.sku),
        cancel_url=reverse("web:stock_levels"))


@permission("inventory.add_stockmove")
def stock_count(request: HttpRequest) -> HttpResponse:
    form = StocktakeForm(data_of(request), initial=_preselected(request))
    return form_page(
        request, form,
        lambda _data: inventory_services.count_stock(actor=request.user, **form.service_args()),
        heading=_("Stocktake"), submit_label=_("Post count"),
        intro=_("Enter the quantity counted; the difference to the system's on-hand quantity "
                "is posted to the ledger as an adjustment."),
        success=lambda move: _("Count posted: difference %(difference)s.") % {
            "difference": _quantity(move.quantity, move.product)} if move else _(
            "The count matches the system; nothing was posted."),
        success_url=lambda _move: _levels_of(form.cleaned_data["product"].sku),
        cancel_url=reverse("web:stock_levels"))


def _quantity(value: Any, product: Any) -> str:
    return floatformat(value, product.quantity_precision)
