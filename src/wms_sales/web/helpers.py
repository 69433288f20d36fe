"""What every UI view shares: permission gates, list pages with filters and pagination,
and turning a service's ``DomainError`` into form errors or a message."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from wms_sales.common.errors import DomainError, Forbidden, NotFound

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
)
# Messages that carry values are replaced by a translated one per error code.
CODE_MESSAGES = {
    "duplicate_code": _("This code is already taken."),
    "duplicate_sku": _("This SKU is already taken."),
    "insufficient_stock": _("Not enough unreserved stock for this change."),
    "permission_denied": _("You do not have permission to do this."),
    "integrity_error": _("The change conflicts with existing data."),
}


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

def paginate(request: HttpRequest, rows: QuerySet, per_page: int = PER_PAGE) -> Page:
    return Paginator(rows, per_page).get_page(request.GET.get("page"))


def list_page(request: HttpRequest, *, filter_form: type[forms.Form],
              selector: Callable[..., QuerySet], template: str, partial: str,
              per_page: int = PER_PAGE, **context: Any) -> HttpResponse:
    """Parse the filters, call the selector, render one page of rows.

    htmx requests (live search) get only the results partial; a filter that does not parse
    shows its error and the unfiltered list rather than an error page."""
    form = filter_form(request.GET)
    rows = selector(**(form.filters() if form.is_valid() else {}))
    htmx = request.headers.get("HX-Request") == "true"
    response = render(request, partial if htmx else template,
                      {**context, "filter_form": form, "page": paginate(request, rows, per_page),
                       "partial": partial})
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- service errors ----------------------------------------------------------------------

def error_message(exc: DomainError) -> str:
    if exc.code in CODE_MESSAGES:
        return str(CODE_MESSAGES[exc.code])
    if isinstance(exc, Forbidden):
        return str(CODE_MESSAGES["permission_denied"])
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
        for msg in msgs:
            target.add_error(field, gettext(msg) if field else f"{name}: {gettext(msg)}")
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


def form_page(request: HttpRequest, form: forms.Form, save: Callable[[dict[str, Any]], T], *,
              heading: str, success: Callable[[T], str], success_url: Callable[[T], str],
              cancel_url: str, submit_label: str | None = None,
              template: str = "web/form_page.html", **context: Any) -> HttpResponse:
    """A page with one form whose valid POST calls one service through ``save``."""
    if request.method == "POST" and form.is_valid():
        with domain_errors(form):
            result = save(form.cleaned_data)
            messages.success(request, success(result))
            return redirect(success_url(result))
    return render(request, template, {
        **context, "form": form, "heading": heading, "cancel_url": cancel_url,
        "submit_label": submit_label or gettext("Save")})


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
