"""What every UI view shares: permission gates, list pages with filters and pagination,
and turning a service's ``DomainError`` into form errors or a message."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from wms_sales.catalog.selectors import product_list
from wms_sales.common.errors import DomainError, Forbidden, NotFound, ValidationFailed
from wms_sales.customers.models import CustomerStatus
from wms_sales.finance.models import CreditNoteStatus, InvoiceStatus, PaymentState
from wms_sales.inventory.selectors import warehouse_list
from wms_sales.orders.models import OrderStatus
from wms_sales.outbound.models import OutboundStatus
from wms_sales.returns.models import ReturnStatus

from .forms import FilterForm, LineForm

T = TypeVar("T")
View = Callable[..., HttpResponse]

PER_PAGE = 25

# Services speak English for the API. The fixed messages below are listed so makemessages
# extracts them and the UI can show them translated; messages with values in them stay English.
SERVICE_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("This field cannot be blank."),
    gettext_noop("Unknown field."),
    gettext_noop("Must not be zero."),
    gettext_noop("Must not be negative."),
    gettext_noop("A receipt must be positive; use an adjustment."),
    gettext_noop("A write-off takes stock out: use a negative number."),
    gettext_noop("Say why the stock is adjusted."),
    gettext_noop("Choose another default address instead."),
    gettext_noop("Make another warehouse the default instead."),
    gettext_noop("The customer has documents and cannot be deleted; deactivate it instead."),
    gettext_noop("An order needs at least one line."),
    gettext_noop("A return needs at least one line."),
    gettext_noop("An outbound needs at least one line."),
    gettext_noop("A reason is required."),
    gettext_noop("Must be greater than zero."),
    gettext_noop("Must be between 0 and 100."),
    gettext_noop("Must be a non-zero amount with at most 2 decimals."),
    gettext_noop("Must be a positive amount with at most 2 decimals."),
    gettext_noop("A refund cannot be allocated to invoices."),
    gettext_noop("Nothing left to apply."),
    gettext_noop("Each order line may appear once per return."),
    gettext_noop("Nothing received; reject the return instead."),
    gettext_noop("No warehouse given and no default warehouse."),
)
# Messages that carry values are replaced by a translated one per error code.
CODE_MESSAGES = {
    "duplicate_code": _("This code is already taken."),
    "duplicate_sku": _("This SKU is already taken."),
    "insufficient_stock": _("Not enough unreserved stock for this change."),
    "permission_denied": _("You do not have permission to do this."),
    "integrity_error": _("The change conflicts with existing data."),
    "customer_blocked": _("The customer is blocked and cannot order."),
    "customer_inactive": _("The customer is inactive and cannot order."),
    "order_not_editable": _("Only pending orders can be edited."),
    "exceeds_open_quantity": _("Shipping more than the order still has open; reload the page."),
    "exceeds_shipped_quantity": _("Returning more than was shipped; reload the page."),
    "order_not_returnable": _("Only shipping or completed orders can have returns; reload the "
                              "page."),
    "insufficient_reservation": _("Some lines are not reserved for the quantity to ship."),
}
# Every document status, for messages that name one (the same word means the same label).
STATUS_LABELS = {str(value): label for choices in (
    OrderStatus, OutboundStatus, ReturnStatus, InvoiceStatus, CreditNoteStatus, PaymentState,
    CustomerStatus) for value, label in choices.choices}


def permission(*perms: str) -> Callable[[View], View]:
    """Log in first (redirect), then hold every permission (403 page otherwise)."""

    def decorator(view: View) -> View:
        return login_required(permission_required(perms, raise_exception=True)(view))

    return decorator


def data_of(request: HttpRequest) -> Any:
    """The POST data to bind a form to, or None so a GET shows an unbound form."""
    return request.POST if request.method == "POST" else None


def found(selector: Callable[[int], T], pk: int) -> T:
    try:
        return selector(pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc


# --- lists -------------------------------------------------------------------------------

def paginate(request: HttpRequest, rows: QuerySet[Any] | Sequence[Any],
             per_page: int = PER_PAGE) -> Page[Any]:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def sorted_rows(request: HttpRequest, rows: Any, sortable: Mapping[str, str]) -> Any:
    """``?sort=key`` (or ``-key``) orders the rows by the column ``sortable`` maps it to; the
    id breaks ties so that pages never overlap. Unknown keys keep the selector's order."""
    key = request.GET.get("sort", "")
    field = sortable.get(key.removeprefix("-"))
    if field is None or not isinstance(rows, QuerySet):
        return rows
    direction = "-" if key.startswith("-") else ""
    return rows.order_by(f"{direction}{field}", f"{direction}id")


def list_page(request: HttpRequest, *, filter_form: type[FilterForm],
              selector: Callable[..., QuerySet[Any] | Sequence[Any]], template: str, partial: str,
              per_page: int = PER_PAGE, sortable: Mapping[str, str] | None = None,
              **context: Any) -> HttpResponse:
    """Parse the filters, call the selector, render one page of rows.

    htmx requests (live search) get only the results partial; a filter that does not parse
    shows its error and the unfiltered list rather than an error page."""
    form = filter_form(request.GET)
    rows = selector(**(form.filters() if form.is_valid() else {}))
    if sortable:
        rows = sorted_rows(request, rows, sortable)
    htmx = request.headers.get("HX-Request") == "true"
    response = render(request, partial if htmx else template,
                      {**context, "filter_form": form, "page": paginate(request, rows, per_page),
                       "partial": partial, "sortable": sortable or {}})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- service errors ----------------------------------------------------------------------

def format_currency(value: Any) -> str:
    """An amount with its currency sign, grouped as the page's language groups (¥2,180,376.53);
    what is not a number comes back as it is."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}{settings.WMS_CURRENCY_SYMBOL}{floatformat(abs(amount), '2g')}"



def _number(value: Any) -> str:
    """A quantity as stored (4 places) without its trailing zeros: 47.5000 -> 47.5."""
    try:
        return f"{Decimal(str(value)).normalize():f}"  # :f never writes an exponent
    except InvalidOperation:
        return str(value)


def _credit_limit_message(details: dict[str, Any]) -> str:
    return gettext(
        "Credit limit exceeded: limit %(limit)s, current exposure %(exposure)s "
        "(receivables %(receivables)s + open orders %(open_orders)s), this order "
        "%(order_total)s — %(excess)s over the limit.") % {
        "limit": format_currency(details.get("credit_limit")),
        "exposure": format_currency(details.get("exposure")),
        "receivables": format_currency(details.get("receivables")),
        "open_orders": format_currency(details.get("open_orders")),
        "order_total": format_currency(details.get("order_total")),
        "excess": format_currency(details.get("excess"))}


def _short_stock_message(details: dict[str, Any]) -> str:
    """One line per short order line, naming product and warehouse (the service gives ids)."""
    lines = details["lines"]
    products = product_list().in_bulk({line.get("product_id") for line in lines})
    warehouses = warehouse_list().in_bulk({line.get("warehouse_id") for line in lines})
    rows = [gettext("Not enough unreserved stock for %(count)s line(s):") % {"count": len(lines)}]
    for line in lines:
        product, warehouse = (products.get(line.get("product_id")),
                              warehouses.get(line.get("warehouse_id")))
        rows.append(gettext("• %(product)s in %(warehouse)s: requested %(requested)s, "
                            "available %(available)s") % {
            "product": product or line.get("product_id"),
            "warehouse": warehouse.name if warehouse else line.get("warehouse_id"),
            "requested": _number(line.get("requested_in_warehouse", line.get("requested"))),
            "available": _number(line.get("available"))})
    return "\n".join(rows)


def _transition_message(details: dict[str, Any]) -> str:
    return gettext("This document is “%(from)s” and cannot become “%(to)s”; "
                   "reload the page to see its current state.") % {
        "from": STATUS_LABELS.get(str(details.get("from")), details.get("from")),
        "to": STATUS_LABELS.get(str(details.get("to")), details.get("to"))}


def error_message(exc: DomainError) -> str:
    """A service's refusal in the user's language, with the figures it carries."""
    details = exc.details if isinstance(exc.details, dict) else {}
    if exc.code == "credit_limit_exceeded":
        return _credit_limit_message(details)
    if exc.code == "insufficient_stock" and details.get("lines"):
        return _short_stock_message(details)
    if exc.code == "invalid_transition":
        return _transition_message(details)
    if exc.code in CODE_MESSAGES:
        return str(CODE_MESSAGES[exc.code])
    if isinstance(exc, Forbidden):
        return str(CODE_MESSAGES["permission_denied"])
    if isinstance(exc, ValidationFailed) and details.get("fields"):
        return " ".join(gettext(msg) for msgs in details["fields"].values() for msg in msgs)
    return gettext(exc.message)


def _target(form: forms.Form, prefixed: Mapping[str, forms.Form],
            name: str) -> tuple[forms.Form, str | None]:
    """The form and field a service's field name belongs to (None: a form-wide error)."""
    for prefix, other in prefixed.items():
        if name.startswith(prefix):
            form, name = other, name.removeprefix(prefix)
            break
    if name in form.fields:
        return form, name
    if name.endswith("_id") and name[:-3] in form.fields:  # service product_id = form product
        return form, name[:-3]
    return form, None


def add_domain_error(exc: DomainError, form: forms.Form,
                     prefixed: Mapping[str, forms.Form] | None = None) -> None:
    """Put a service's error on the form: per field where it names one, else form-wide.

    ``prefixed`` routes service field names like ``addresses[0].line`` to another form."""
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    prefixed = prefixed or {}
    details = exc.details if isinstance(exc.details, dict) else {}
    for name, msgs in (details.get("fields") or {}).items():
        target, field = _target(form, prefixed, name)
        # A nested name that found no field (addresses[0].x) is kept so the user can tell
        # where; a whole-document one (lines, allocations) says nothing a message does not.
        where = f"{name}: " if field is None and ("[" in name or "." in name) else ""
        for msg in msgs:
            target.add_error(field, gettext(msg) if field else f"{where}{gettext(msg)}")
    if not details.get("fields"):
        target, field = _target(form, prefixed, details.get("field") or "")
        target.add_error(field, error_message(exc))


@contextmanager
def domain_errors(form: forms.Form,
                  prefixed: Mapping[str, forms.Form] | None = None) -> Iterator[None]:
    """Run a service call; if it refuses, the errors land on the form and the view goes on
    to render it again."""
    try:
        yield
    except DomainError as exc:
        add_domain_error(exc, form, prefixed)


class LineForms:
    """The forms of a document's lines, one per row shown. Rows whose form says it has
    nothing to send (``sends()`` false, e.g. quantity 0) are left out of the service call,
    so the service's ``lines[i].field`` errors are routed to the i-th form sent."""

    def __init__(self, forms: Sequence[LineForm], name: str = "lines") -> None:
        self.forms, self.name = list(forms), name

    def __iter__(self) -> Iterator[LineForm]:
        return iter(self.forms)

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.forms])  # a list: every form validated

    def sent(self) -> list[LineForm]:
        return [form for form in self.forms if form.sends()]

    def payload(self) -> list[dict[str, Any]]:
        return [form.payload() for form in self.sent()]

    def prefixed(self) -> dict[str, forms.Form]:
        return {f"{self.name}[{index}].": form for index, form in enumerate(self.sent())}


def form_page(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T], *,
              heading: str, success: Callable[[T], str], success_url: Callable[[T], str],
              cancel_url: str, submit_label: str | None = None,
              template: str = "web/form_page.html", lines: LineForms | None = None,
              **context: Any) -> HttpResponse:
    """A page with one form (and optionally its line forms) whose valid POST calls one
    service through ``save``; the service's errors land on the form or on the line sent."""
    valid = form.is_valid() if request.method == "POST" else False
    if lines is not None and request.method == "POST":
        valid = lines.is_valid() and valid
    if valid:
        with domain_errors(form, lines.prefixed() if lines is not None else None):
            result = save(form.cleaned_data)
            messages.success(request, success(result))
            return redirect(success_url(result))
    return render(request, template, {
        **context, "form": form, "heading": heading, "cancel_url": cancel_url,
        "submit_label": submit_label or gettext("Save"), "lines": lines})


def form_action(request: HttpRequest, form: forms.Form, action: Callable[[dict[str, Any]], Any],
                *, done: str, then: str, page: Callable[[forms.Form], HttpResponse],
                lines: LineForms | None = None) -> HttpResponse:
    """A form on a document's page (a reason, a checkbox, received quantities) whose valid
    POST calls one service. Input errors render the document again with this form bound, on
    its fields (or its lines); a refusal about the document itself (a conflict, a limit)
    goes back to ``then`` as a message, as success does."""
    valid = form.is_valid()
    if lines is not None:
        valid = lines.is_valid() and valid
    if valid:
        try:
            action(form.cleaned_data)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except ValidationFailed as exc:
            add_domain_error(exc, form, lines.prefixed() if lines is not None else None)
        except DomainError as exc:
            messages.error(request, error_message(exc))
            return redirect(then)
        else:
            messages.success(request, done)
            return redirect(then)
    # Shown at the action's URL; the page tells the browser to show the document's own
    # (a reload or a language switch then lands on the document, not on a POST-only URL).
    request.page_url = then  # type: ignore[attr-defined]
    return page(form)


def post_action(request: HttpRequest, action: Callable[[], object], *, done: str,
                then: str) -> HttpResponse:
    """A button that calls one service and goes back to ``then`` with a message."""
    try:
        action()
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, error_message(exc))
    else:
        messages.success(request, done)
    return redirect(then)


def document_action(*, perm: str, prefix: str, call: Callable[[Any, int, dict[str, Any]], Any],
                    done: StrOrPromise, detail: str, page: Callable[..., HttpResponse],
                    form_class: type[forms.Form],
                    form_kwargs: Callable[[HttpRequest, int], dict[str, Any]] | None = None
                    ) -> View:
    """The POST-only view behind one button of a document's page and its small form (a
    reason, a checkbox): ``call(actor, pk, cleaned_data)`` runs the service; ``page(request,
    pk, **{prefix: form})`` shows the document again when the form or the service refuses."""

    @permission(perm)
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            # A refused form is shown at this URL; reloading it or switching the language
            # lands here with a GET: show the document.
            return redirect(detail, pk=pk)
        kwargs = form_kwargs(request, pk) if form_kwargs else {}
        form = form_class(request.POST, prefix=prefix, **kwargs)
        return form_action(request, form, lambda data: call(request.user, pk, data),
                           done=str(done), then=reverse(detail, args=[pk]),
                           page=lambda bound: page(request, pk, **{prefix: bound}))

    return view
