"""Forms of the documents (orders, outbounds, returns) and of receivables. As in forms.py they
only parse: the services decide, and their refusals come back onto these forms.

A document's lines are one small form per row with a ``sends()`` (does this row go to the
service?) and a ``payload()`` (the row in the service's terms); helpers.LineForms routes the
service's ``lines[i]`` errors back to the row they came from."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from wms_sales.catalog.models import Product
from wms_sales.catalog.selectors import product_list
from wms_sales.common.errors import NotFound
from wms_sales.common.money import LineAmounts, line_amounts
from wms_sales.customers.models import MONEY, CustomerAddress, CustomerStatus, PaymentMethod
from wms_sales.customers.selectors import customer_detail, customer_list
from wms_sales.finance.models import CreditNoteStatus, Invoice, InvoiceStatus
from wms_sales.inventory.selectors import default_warehouse, warehouse_list
from wms_sales.orders.models import PERCENT, PRICE, OrderStatus, SalesOrder, SalesOrderLine
from wms_sales.outbound.models import OutboundStatus
from wms_sales.returns.models import Condition, ReturnLine, ReturnReason, ReturnStatus

from .forms import DateInput, FilterForm, LineForm, WebForm, check_date_range, search_field

ORDER_NOTE_MAX = 2000

# An order line's search lists this many products; typing more narrows it.
PRODUCT_OPTIONS = 20


def product_label(product: Product) -> str:
    return f"{product.sku} · {product.name}"


def _choice(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    # A ModelChoiceField declared on the form; form.fields types its values as plain fields.
    return cast(forms.ModelChoiceField[Any], form.fields[name])


def money_field(label: StrOrPromise, **kwargs: Any) -> forms.DecimalField:
    return forms.DecimalField(label=label, max_digits=MONEY["max_digits"],
                              decimal_places=MONEY["decimal_places"], **kwargs)


def percent_field(label: StrOrPromise) -> forms.DecimalField:
    # Bounded here too, so that the live totals never price a line at 150 % off.
    return forms.DecimalField(label=label, max_digits=PERCENT["max_digits"],
                              decimal_places=PERCENT["decimal_places"], required=False,
                              initial=Decimal(0), min_value=Decimal(0), max_value=Decimal(100),
                              widget=forms.NumberInput(attrs={"step": "any"}))


def line_quantity_field(product: Product, *, limit: Decimal | None = None,
                        initial: Decimal | None = None,
                        label: StrOrPromise = "") -> forms.DecimalField:
    """A quantity in the product's precision; ``limit`` is what the page says is left."""
    step = Decimal(1).scaleb(-product.quantity_precision)
    return forms.DecimalField(
        label=label or _("Quantity"), required=False, min_value=Decimal(0),
        max_value=limit.quantize(step) if limit is not None else None, max_digits=18,
        decimal_places=product.quantity_precision,
        initial=initial.quantize(step) if initial is not None else None,
        widget=forms.NumberInput(attrs={"step": str(step), "min": "0"}))


def choice_filter(choices: Any, all_label: StrOrPromise,
                  label: StrOrPromise = "") -> forms.ChoiceField:
    return forms.ChoiceField(label=label or _("Status"), required=False,
                             choices=[("", all_label), *choices])


def customer_filter() -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("Customer"), required=False, queryset=customer_list(),
                                  empty_label=_("All customers"))


class ReasonForm(WebForm):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class OptionalReasonForm(WebForm):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


# --- list filters ------------------------------------------------------------------------

class DateRangeFilterForm(FilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput,
                              help_text=_("Inclusive."))

    def clean(self) -> dict[str, Any]:
        return check_date_range(self, super().clean() or self.cleaned_data, "date_from", "date_to")


class OrderFilterForm(DateRangeFilterForm):
    q = search_field(_("Order number or customer"))
    status = choice_filter(OrderStatus.choices, _("All statuses"))
    customer = customer_filter()
    field_order = ["q", "status", "customer", "date_from", "date_to"]


class OutboundFilterForm(DateRangeFilterForm):
    q = search_field(_("Outbound number or customer"))
    status = choice_filter(OutboundStatus.choices, _("All statuses"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(),
                                       empty_label=_("All warehouses"))
    customer = customer_filter()
    field_order = ["q", "status", "customer", "warehouse", "date_from", "date_to"]


class QueueFilterForm(FilterForm):
    q = search_field(_("Order number or customer"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(active=True),
                                       empty_label=_("All warehouses"))


class ReturnFilterForm(DateRangeFilterForm):
    q = search_field(_("Return number or customer"))
    status = choice_filter(ReturnStatus.choices, _("All statuses"))
    customer = customer_filter()
    field_order = ["q", "status", "customer", "date_from", "date_to"]


class InvoiceFilterForm(DateRangeFilterForm):
    q = search_field(_("Invoice number or customer"))
    status = choice_filter(InvoiceStatus.choices, _("All statuses"))
    customer = customer_filter()
    field_order = ["q", "status", "customer", "date_from", "date_to"]


class PaymentFilterForm(FilterForm):
    q = search_field(_("Payment number, reference or customer"))
    customer = customer_filter()


class CreditNoteFilterForm(FilterForm):
    q = search_field(_("Credit note number or customer"))
    status = choice_filter(CreditNoteStatus.choices, _("All statuses"))
    customer = customer_filter()


# --- orders ------------------------------------------------------------------------------

class OrderForm(WebForm):
    customer = forms.ModelChoiceField(label=_("Customer"),
                                      queryset=customer_list(status=CustomerStatus.ACTIVE),
                                      empty_label=_("Choose a customer"))
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=warehouse_list(active=True),
        empty_label=_("Choose a warehouse"),
        help_text=_("Lines ship from here unless a line names another warehouse."))
    requested_delivery_date = forms.DateField(label=_("Requested delivery date"),
                                              required=False, widget=DateInput)
    delivery_address = forms.ModelChoiceField(label=_("Delivery address"), required=False,
                                              queryset=CustomerAddress.objects.none(),
                                              empty_label=_("No delivery address"))
    # Bounded: a note is for the order's people, not a document store (and a page stays a page).
    note = forms.CharField(label=_("Note"), required=False, max_length=ORDER_NOTE_MAX,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, order: SalesOrder | None = None, **kwargs: Any) -> None:
        if order is not None:
            kwargs.setdefault("initial", {
                "customer": order.customer_id, "warehouse": order.warehouse_id,
                "requested_delivery_date": order.requested_delivery_date, "note": order.note})
        super().__init__(*args, **kwargs)
        self.order = order
        if order is not None:
            # The customer of an order is fixed once it exists (update_order cannot change it).
            _choice(self, "customer").queryset = customer_list()
            self.fields["customer"].disabled = True
            _choice(self, "delivery_address").empty_label = _("Keep: %(address)s") % {
                "address": order.delivery_address or "—"}
        else:
            self.initial.setdefault("warehouse", default_warehouse())
            # Choosing the customer reloads the address list with their addresses
            # (order-entry.js also asks for a choice made before htmx started).
            self.fields["customer"].widget.attrs.update({
                "hx-get": reverse("web:order_addresses"), "hx-target": "#id_delivery_address",
                "hx-swap": "outerHTML", "hx-trigger": "change"})
        self._limit_addresses()

    def _limit_addresses(self) -> None:
        """The delivery address is one of the chosen customer's; their default comes first."""
        customer_id = self.data.get(self.add_prefix("customer")) if self.is_bound else None
        if self.order is not None or not customer_id:
            customer_id = self.initial.get("customer")
        customer_id = str(getattr(customer_id, "pk", customer_id) or "")
        if not customer_id.isdigit():
            return  # no customer chosen yet
        try:
            customer = customer_detail(int(customer_id))
        except NotFound:
            return
        field = _choice(self, "delivery_address")
        field.queryset = customer.addresses.all()
        default = customer.default_address
        if self.order is None and default is not None:
            self.initial.setdefault("delivery_address", default.pk)

    def service_args(self) -> dict[str, Any]:
        data = self.cleaned_data
        args = {"warehouse_id": data["warehouse"].pk,
                "requested_delivery_date": data.get("requested_delivery_date"),
                "note": data.get("note") or ""}
        if data.get("delivery_address") is not None:
            args["delivery_address_id"] = data["delivery_address"].pk
        if self.order is None:
            args["customer_id"] = data["customer"].pk
        return args


class OrderLineForm(LineForm):
    # One search-and-pick control per line (order-entry.js): the text the clerk types is
    # ``product_search``, the product picked from its list is the hidden ``product``.
    product_search = forms.CharField(
        label=_("Product"), required=False, max_length=200,
        widget=forms.TextInput(attrs={"class": "product-search", "autocomplete": "off",
                                      "role": "combobox", "aria-autocomplete": "list",
                                      "aria-expanded": "false",
                                      "placeholder": _("SKU or name, then Enter")}))
    product = forms.ModelChoiceField(label=_("Product"), queryset=product_list(active=True),
                                     error_messages={"required": _("Choose a product.")},
                                     widget=forms.HiddenInput(attrs={"data-product": ""}))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(active=True),
                                       empty_label=_("Order's warehouse"))
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=18, decimal_places=4,
                                  widget=forms.NumberInput(attrs={"min": "0", "step": "any"}))
    unit_price = forms.DecimalField(
        label=_("Unit price"), required=False, max_digits=PRICE["max_digits"],
        decimal_places=PRICE["decimal_places"],
        widget=forms.NumberInput(attrs={"min": "0", "step": "any", "data-price": ""}))
    discount_percent = percent_field(_("Discount %"))
    tax_rate_percent = percent_field(_("Tax rate %"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("quantity", "unit_price", "discount_percent", "tax_rate_percent"):
            self.fields[name].widget.attrs.setdefault("data-priced", "")
        search = self.fields["product_search"].widget.attrs
        search["aria-controls"] = f"{self.prefix}-options" if self.prefix else "options"
        typed = self.is_bound and self.data.get(self.add_prefix("product_search"))
        chosen = None if typed else self.chosen_product()
        if chosen is not None:
            # The chosen product's name stands in the control (editing an order).
            self.initial["product_search"] = product_label(chosen)

    def chosen_product(self) -> Product | None:
        value = (self.data.get(self.add_prefix("product")) if self.is_bound
                 else self.initial.get("product"))
        if isinstance(value, Product):
            return value
        if not str(value or "").isdigit():
            return None
        products = _choice(self, "product").queryset
        return products.filter(pk=int(str(value))).first() if products is not None else None

    def in_page(self) -> bool:
        """Is this row on the page? A row removed in the browser sends no field at all."""
        return not self.is_bound or any(key.startswith(f"{self.prefix}-") for key in self.data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        product, quantity = cleaned.get("product"), cleaned.get("quantity")
        if product is not None and quantity is not None and product.quantity_error(quantity):
            self.add_error("quantity", _("%(sku)s allows %(places)s decimal place(s).") % {
                "sku": product.sku, "places": product.quantity_precision})
        return cleaned

    def has_changed(self) -> bool:
        # A row removed in the browser sends no field at all (its percent fields would
        # otherwise differ from their initial 0): it is no line, as a blank row is not.
        if not self.in_page():
            return False
        return super().has_changed()

    def sends(self) -> bool:
        """A row left blank (or removed) is no line at all."""
        return self.has_changed()

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"product_id": data["product"].pk, "quantity": data["quantity"],
                "unit_price": data.get("unit_price"),
                "discount_percent": data.get("discount_percent") or Decimal(0),
                "tax_rate_percent": data.get("tax_rate_percent") or Decimal(0),
                "warehouse_id": data["warehouse"].pk if data.get("warehouse") else None}

    def amounts(self) -> LineAmounts | None:
        """The line priced by the server's arithmetic (the list price when none is given),
        or None while the row is incomplete. An unbound row (editing) is priced from its
        initial values."""
        if self.is_bound:
            if not self.is_valid() or not self.sends():
                return None
            values: Mapping[str, Any] = self.cleaned_data
        else:
            values = self.initial
        product, quantity = values.get("product"), values.get("quantity")
        if not isinstance(product, Product) or quantity is None:
            return None
        price = values.get("unit_price")
        return line_amounts(quantity, price if price is not None else product.list_price,
                            values.get("discount_percent") or Decimal(0),
                            values.get("tax_rate_percent") or Decimal(0))


class BaseOrderLineFormSet(forms.BaseFormSet[OrderLineForm]):
    """Rows can be added and removed in the browser; none is an "initial" row that must stay,
    so a removed row (a gap in the numbering) is just an empty, skipped form."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.extra = max(len(self.initial or []), 1)

    def initial_form_count(self) -> int:
        return 0


OrderLineFormSet = forms.formset_factory(OrderLineForm, formset=BaseOrderLineFormSet,
                                         max_num=500, absolute_max=500, validate_max=True)


def plain(value: Decimal) -> Decimal:
    """A stored decimal without its trailing zeros, never in exponent form (10, not 1E+1)."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def order_line_initial(lines: list[SalesOrderLine]) -> list[dict[str, Any]]:
    return [{"product": line.product, "warehouse": line.warehouse_id,
             "quantity": plain(line.quantity), "unit_price": plain(line.unit_price),
             "discount_percent": plain(line.discount_percent),
             "tax_rate_percent": plain(line.tax_rate_percent)} for line in lines]


class ApproveForm(WebForm):
    override_credit = forms.BooleanField(
        label=_("Override the credit limit"), required=False,
        help_text=_("Approve even if the customer's credit limit is exceeded."))
    reason = forms.CharField(label=_("Override reason"), max_length=500, required=False)

    def __init__(self, *args: Any, can_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not can_override:  # the service would refuse it anyway (Forbidden)
            del self.fields["override_credit"], self.fields["reason"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("override_credit") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why the credit limit may be exceeded."))
        return cleaned


# --- outbound ----------------------------------------------------------------------------

class OutboundForm(WebForm):
    planned_ship_date = forms.DateField(label=_("Planned ship date"), required=False,
                                        widget=DateInput)
    carrier = forms.CharField(label=_("Carrier"), max_length=100, required=False)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=100,
                                      required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("planned_ship_date", timezone.localdate())


class ShipLineForm(LineForm):
    """One open order line of the outbound's warehouse: how much of it ships now."""

    def __init__(self, *args: Any, line: SalesOrderLine, free: Decimal, **kwargs: Any) -> None:
        kwargs["prefix"] = f"line-{line.pk}"
        super().__init__(*args, **kwargs)
        self.line, self.free = line, free
        self.drafted = line.open_quantity - free  # held by other draft outbounds
        self.fields["quantity"] = line_quantity_field(line.product, limit=free, initial=free)

    def sends(self) -> bool:
        return bool(self.cleaned_data.get("quantity"))

    def payload(self) -> dict[str, Any]:
        return {"order_line_id": self.line.pk, "quantity": self.cleaned_data["quantity"]}


# --- returns -----------------------------------------------------------------------------

class ReturnForm(WebForm):
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ReturnLineForm(LineForm):
    """One shipped order line: how much comes back, in what state and why."""

    expected_condition = forms.ChoiceField(label=_("Expected condition"),
                                           choices=Condition.choices, initial=Condition.GOOD)
    reason = forms.ChoiceField(label=_("Return reason"), required=False,
                               choices=[("", _("Choose a reason")), *ReturnReason.choices])
    reason_text = forms.CharField(label=_("Details"), max_length=300, required=False)

    def __init__(self, *args: Any, line: SalesOrderLine, returnable: Decimal,
                 **kwargs: Any) -> None:
        kwargs["prefix"] = f"line-{line.pk}"
        super().__init__(*args, **kwargs)
        self.line, self.returnable = line, returnable
        # Starts at zero: only the lines the customer sends back are filled in ("Return all"
        # fills every line with what it has left).
        self.fields["quantity"] = line_quantity_field(line.product, limit=returnable,
                                                      initial=Decimal(0))
        step = Decimal(1).scaleb(-line.product.quantity_precision)
        self.fields["quantity"].widget.attrs["data-fill"] = str(returnable.quantize(step))
        self.order_fields(["quantity", "expected_condition", "reason", "reason_text"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("quantity") and not cleaned.get("reason"):
            self.add_error("reason", _("Choose a return reason."))
        return cleaned

    def sends(self) -> bool:
        return bool(self.cleaned_data.get("quantity"))

    def payload(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"order_line_id": self.line.pk, "quantity": data["quantity"],
                "expected_condition": data["expected_condition"], "reason": data["reason"],
                "reason_text": data.get("reason_text") or ""}


class ReceiveForm(WebForm):
    warehouse = forms.ModelChoiceField(
        label=_("Receive into"), required=False, queryset=warehouse_list(active=True),
        empty_label=_("Each line's shipping warehouse"))


class ReceiveLineForm(LineForm):
    """What arrived of one return line: good goes back to stock, damaged is written off."""

    def __init__(self, *args: Any, line: ReturnLine, **kwargs: Any) -> None:
        kwargs["prefix"] = f"line-{line.pk}"
        super().__init__(*args, **kwargs)
        self.line = line
        good = line.expected_condition == Condition.GOOD
        product = line.order_line.product
        self.fields["good_quantity"] = line_quantity_field(
            product, limit=line.quantity, initial=line.quantity if good else Decimal(0),
            label=_("Good"))
        self.fields["damaged_quantity"] = line_quantity_field(
            product, limit=line.quantity, initial=Decimal(0) if good else line.quantity,
            label=_("Damaged"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        received = (cleaned.get("good_quantity") or 0) + (cleaned.get("damaged_quantity") or 0)
        if received > self.line.quantity:
            self.add_error("good_quantity", _("More than the approved quantity."))
        return cleaned

    def sends(self) -> bool:
        return True  # a line that did not arrive is sent as 0 + 0

    def payload(self) -> dict[str, Any]:
        return {"return_line_id": self.line.pk,
                "good_quantity": self.cleaned_data.get("good_quantity") or Decimal(0),
                "damaged_quantity": self.cleaned_data.get("damaged_quantity") or Decimal(0)}


# --- receivables -------------------------------------------------------------------------

class PaymentForm(WebForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=customer_list(),
                                      empty_label=_("Choose a customer"))
    amount = money_field(_("Amount"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False,
                                help_text=_("E.g. the bank's transaction number."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial.setdefault("received_on", timezone.localdate())
        # Choosing the customer reloads the allocation table with their open invoices.
        self.fields["customer"].widget.attrs.update({
            "hx-get": reverse("web:payment_allocations"), "hx-target": "#allocations",
            "hx-swap": "outerHTML"})

    def customer_id(self) -> int | None:
        """The customer chosen so far (bound or preselected), to list their open invoices."""
        value = (self.data.get(self.add_prefix("customer")) if self.is_bound
                 else self.initial.get("customer"))
        return int(str(value)) if str(value or "").isdigit() else None


class AllocationForm(LineForm):
    """How much of the payment settles one open invoice."""

    def __init__(self, *args: Any, invoice: Invoice, **kwargs: Any) -> None:
        kwargs["prefix"] = f"invoice-{invoice.pk}"
        super().__init__(*args, **kwargs)
        self.invoice = invoice
        self.fields["amount"] = money_field(
            _("Allocate"), required=False, min_value=Decimal(0), max_value=invoice.open_amount,
            widget=forms.NumberInput(attrs={"step": "0.01", "min": "0"}))

    def sends(self) -> bool:
        return bool(self.cleaned_data.get("amount"))

    def payload(self) -> dict[str, Any]:
        return {"invoice_id": self.invoice.pk, "amount": self.cleaned_data["amount"]}


class ApplyCreditForm(WebForm):
    invoice = forms.ModelChoiceField(label=_("Invoice"), queryset=Invoice.objects.none(),
                                     empty_label=_("Choose an open invoice"))
    amount = money_field(_("Amount"), required=False,
                         help_text=_("Empty: as much as the credit note and the invoice allow."))

    def __init__(self, *args: Any, invoices: QuerySet[Invoice], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "invoice").queryset = invoices
        # a per-form label in place of the field's method (mypy only knows subclassing)
        _choice(self, "invoice").label_from_instance = lambda obj: _(  # type: ignore[method-assign]
            "%(number)s · open %(open)s") % {"number": obj.number, "open": obj.open_amount}


class RefundForm(WebForm):
    amount = money_field(_("Amount"), min_value=Decimal("0.01"))
    method = forms.ChoiceField(label=_("Payment method"), choices=PaymentMethod.choices,
                               initial=PaymentMethod.BANK_TRANSFER)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    paid_on = forms.DateField(label=_("Paid on"), required=False, widget=DateInput)
