"""UI forms. They only parse input: business rules live in the services, whose errors the
views put back on these forms (see helpers.add_domain_error)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.db import models
from django.forms.models import fields_for_model, model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from wms_sales.catalog.models import QUANTITY, Product
from wms_sales.catalog.selectors import product_list
from wms_sales.catalog.services import PRODUCT_FIELDS
from wms_sales.customers.models import Customer, CustomerAddress, CustomerStatus
from wms_sales.customers.services import ADDRESS_FIELDS, CUSTOMER_FIELDS
from wms_sales.inventory.models import MoveReason, Warehouse
from wms_sales.inventory.selectors import warehouse_list
from wms_sales.inventory.services import MANUAL_REASONS, WAREHOUSE_FIELDS


class WebForm(forms.Form):
    template_name = "web/forms/form.html"


class LineForm(forms.Form):
    """The form of one line of a document (see helpers.LineForms)."""

    def sends(self) -> bool:
        """Has the row anything for the service (e.g. a quantity above 0)?"""
        raise NotImplementedError

    def payload(self) -> dict[str, Any]:
        """The row as the service's line arguments."""
        raise NotImplementedError


def model_fields_form(model: type[models.Model], fields: tuple[str, ...]) -> type[WebForm]:
    """A plain form with the model's form fields (labels, choices, lengths, help texts).

    Not a ModelForm on purpose: model validation and uniqueness are the service's job, so a
    form never half-validates what the service answers with a field error anyway.

    mypy cannot check a base class made at run time: the classes built on one carry
    ``# type: ignore[misc]``."""
    return type(f"{model.__name__}FieldsForm", (WebForm,), fields_for_model(model, fields=fields))


def initial_from(instance: models.Model, form_class: type[forms.Form]) -> dict[str, Any]:
    return model_to_dict(instance, fields=list(form_class.base_fields))


# --- customers ---------------------------------------------------------------------------

class CustomerForm(model_fields_form(Customer, CUSTOMER_FIELDS)):  # type: ignore[misc]
    code = forms.CharField(label=_("Customer code"), max_length=32, required=False,
                           help_text=_("Leave empty to number it automatically."))

    def __init__(self, *args: Any, editing: bool = False,
                 can_change_credit_limit: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["notes"].widget.attrs["rows"] = 3
        self.fields["credit_limit"].widget.attrs["placeholder"] = _("No limit")
        if editing:
            self.fields["code"].required = True
            self.fields["code"].help_text = ""
        if not can_change_credit_limit:
            # Shown but kept: the service refuses a credit limit or a (un)blocking without
            # customers.change_credit_limit, on create as on edit.
            for name in ("credit_limit", "status"):
                self.fields[name].disabled = True
            self.fields["credit_limit"].help_text = _(
                "You do not have permission to change the credit limit.")
            self.fields["status"].help_text = _(
                "Blocking and un-blocking a customer is a credit decision (finance).")


ADDRESS_EDIT_FIELDS = tuple(f for f in ADDRESS_FIELDS if f != "is_default")


class AddressForm(model_fields_form(CustomerAddress, ADDRESS_EDIT_FIELDS)):  # type: ignore[misc]
    """Edits an address; which one is the default is changed by its own button."""


class NewAddressForm(AddressForm):
    is_default = forms.BooleanField(label=_("Make it the default delivery address"),
                                    required=False)


class FirstAddressForm(AddressForm):
    """The optional first delivery address on the new-customer page."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.has_data and not cleaned.get("line"):
            self.add_error("line", _("Enter the address, or leave all address fields empty."))
        return cleaned

    @property
    def has_data(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.fields)


# --- products, warehouses ----------------------------------------------------------------

class ProductForm(model_fields_form(Product, PRODUCT_FIELDS)):  # type: ignore[misc]
    pass


class WarehouseForm(model_fields_form(Warehouse, WAREHOUSE_FIELDS)):  # type: ignore[misc]
    pass


# --- stock -------------------------------------------------------------------------------

def quantity_field(label: StrOrPromise, help_text: StrOrPromise = "") -> forms.DecimalField:
    return forms.DecimalField(label=label, help_text=help_text,
                              max_digits=QUANTITY["max_digits"],
                              decimal_places=QUANTITY["decimal_places"])


class StockLineForm(WebForm):
    product = forms.ModelChoiceField(label=_("Product"), queryset=product_list(active=True),
                                     empty_label=_("Choose a product"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=warehouse_list(active=True),
                                       empty_label=_("Choose a warehouse"))

    def service_args(self) -> dict[str, Any]:
        """cleaned_data in the service's terms (ids instead of objects)."""
        data = dict(self.cleaned_data)
        return {"product_id": data.pop("product").pk,
                "warehouse_id": data.pop("warehouse").pk, **data}


class StockChangeForm(StockLineForm):
    reason = forms.ChoiceField(
        label=_("Reason"), initial=MoveReason.RECEIPT,
        choices=[(r.value, r.label) for r in MoveReason if r in MANUAL_REASONS])
    quantity = quantity_field(
        _("Quantity"), _("Positive adds stock, negative takes it out (write-offs are negative)."))
    note = forms.CharField(label=_("Note"), max_length=300, required=False,
                           help_text=_("Required for adjustments and write-offs."))
    source_ref = forms.CharField(label=_("Reference document"), max_length=40, required=False,
                                 help_text=_("E.g. the supplier's delivery note number."))


class StocktakeForm(StockLineForm):
    counted = quantity_field(_("Counted quantity"),
                             _("The quantity found; the difference is posted as an adjustment."))
    note = forms.CharField(label=_("Note"), max_length=300)


# --- list filters ------------------------------------------------------------------------

class FilterForm(forms.Form):
    """Query-string filters; ``filters()`` gives the selector's keyword arguments."""

    use_required_attribute = False

    def filters(self) -> dict[str, Any]:
        result = {}
        for name, value in self.cleaned_data.items():
            if value in (None, ""):
                continue
            if isinstance(value, models.Model):  # selectors take ids
                result[f"{name}_id"] = value.pk
            else:
                result[name] = value
        return result


def search_field(placeholder: StrOrPromise) -> forms.CharField:
    return forms.CharField(label=_("Search"), required=False, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"}))


class CustomerFilterForm(FilterForm):
    q = search_field(_("Code, name or phone"))
    status = forms.ChoiceField(label=_("Status"), required=False,
                               choices=[("", _("All statuses")), *CustomerStatus.choices])


class ActiveFilterForm(FilterForm):
    active = forms.TypedChoiceField(
        label=_("Status"), required=False, empty_value=None, coerce=lambda v: v == "1",
        choices=[("", _("All")), ("1", _("Active")), ("0", _("Inactive"))])


class ProductFilterForm(ActiveFilterForm):
    q = search_field(_("SKU or name"))
    field_order = ["q", "active"]


class StockFilterForm(FilterForm):
    q = search_field(_("SKU or product name"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(),
                                       empty_label=_("All warehouses"))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        # <input type="date"> speaks ISO whatever the language (zh-hans formats 2030/01/05).
        super().__init__(attrs, format="%Y-%m-%d")


class LedgerFilterForm(FilterForm):
    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=product_list(), empty_label=_("All products"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(),
                                       empty_label=_("All warehouses"))
    reason = forms.ChoiceField(label=_("Reason"), required=False,
                               choices=[("", _("All reasons")), *MoveReason.choices])
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput,
                            help_text=_("Inclusive."))

    def clean(self) -> dict[str, Any]:
        return check_date_range(self, super().clean() or self.cleaned_data, "since", "until")

    def filters(self) -> dict[str, Any]:
        result = super().filters()
        # Dates are whole days in the installation's time zone; the selector takes instants.
        if "since" in result:
            result["since"] = _start_of(result["since"])
        if "until" in result:
            result["until"] = _start_of(result["until"] + timedelta(days=1))
        return result


def check_date_range(form: forms.Form, cleaned: dict[str, Any], start: str,
                     end: str) -> dict[str, Any]:
    """Refuse a date range that ends before it starts (on the end field)."""
    if cleaned.get(start) and cleaned.get(end) and cleaned[end] < cleaned[start]:
        form.add_error(end, _("The end date is before the start date."))
    return cleaned


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
