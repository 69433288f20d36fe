"""The statistics filters: a date range (typed, or one of the quick ranges), the trend's
granularity and one optional customer, product, warehouse and salesperson."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wms_sales.catalog.selectors import product_list
from wms_sales.customers.selectors import customer_list
from wms_sales.inventory.selectors import warehouse_list
from wms_sales.reports import selectors
from wms_sales.reports.rebuild import Filters

from .forms import DateInput, FilterForm

DEFAULT_DAYS = 30
QUICK_DAYS = (7, 30, 90)
THIS_MONTH = "month"
GRANULARITY_LABELS = {"day": _("Day"), "week": _("Week"), "month": _("Month")}


def quick_range(name: str, today: date) -> tuple[date, date] | None:
    """The dates of a quick-range button: the last N days up to today, or this month."""
    if name == THIS_MONTH:
        return today.replace(day=1), today
    if name.isdigit() and int(name) in QUICK_DAYS:
        return today - timedelta(days=int(name) - 1), today
    return None


class SalespersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_username()


class ReportFilterForm(FilterForm):
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput)
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput)
    granularity = forms.ChoiceField(label=_("Trend by"), required=False,
                                    choices=list(GRANULARITY_LABELS.items()))
    customer = forms.ModelChoiceField(label=_("Customer"), required=False,
                                      queryset=customer_list(), empty_label=_("All customers"))
    product = forms.ModelChoiceField(label=_("Product"), required=False,
                                     queryset=product_list(), empty_label=_("All products"))
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), required=False,
                                       queryset=warehouse_list(),
                                       empty_label=_("All warehouses"))
    salesperson = SalespersonChoiceField(
        label=_("Salesperson"), required=False, empty_label=_("All salespeople"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"))

    @classmethod
    def from_query(cls, query: QueryDict) -> ReportFilterForm:
        """Bind to the query with the range spelled out: a quick-range button's dates, or the
        default last 30 days, so the inputs, the export links and the URL show real dates."""
        data = query.copy()
        today = timezone.localdate()
        chosen = quick_range(data.pop("range", [""])[-1], today)
        if chosen:
            data["date_from"], data["date_to"] = (d.isoformat() for d in chosen)
        if not data.get("date_to"):
            data["date_to"] = today.isoformat()
        if not data.get("date_from"):
            try:  # the default range ends on date_to when that parses (an error shows later)
                end = date.fromisoformat(data.get("date_to", ""))
            except ValueError:
                end = today
            data["date_from"] = (end - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
        data.setdefault("granularity", "day")
        return cls(data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to:
            if date_from > date_to:
                self.add_error("date_to", _("The end date is before the start date."))
            elif (date_to - date_from).days > selectors.MAX_RANGE_DAYS:
                self.add_error("date_from", _("At most %(days)s days per report.") % {
                    "days": selectors.MAX_RANGE_DAYS})
        return cleaned

    def report_filters(self) -> tuple[Filters, str]:
        """The selectors' filters and the trend granularity; the defaults when invalid."""
        if not self.is_valid():
            return selectors.make_filters(), "day"
        args = self.filters()
        granularity = args.pop("granularity", "day")
        return selectors.make_filters(**args), granularity

    def query(self) -> QueryDict:
        """The filters as a query string (only what is set), for links and the URL."""
        query = QueryDict(mutable=True)
        if self.is_valid():
            for name, value in self.filters().items():
                query[name.removesuffix("_id")] = (value.isoformat() if isinstance(value, date)
                                                   else str(value))
        return query

    def active_range(self) -> str:
        """Which quick-range button the current dates match ("" for none)."""
        if not self.is_valid():
            return ""
        today = timezone.localdate()
        current = (self.cleaned_data["date_from"], self.cleaned_data["date_to"])
        for name in (*map(str, QUICK_DAYS), THIS_MONTH):
            if quick_range(name, today) == current:
                return name
        return ""

