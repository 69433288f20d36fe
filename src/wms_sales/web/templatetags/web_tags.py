from __future__ import annotations

from typing import Any

from django import template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import pgettext_lazy

from wms_sales.web.helpers import STATUS_LABELS, format_currency

register = template.Library()


@register.inclusion_tag("web/_nav_item.html", takes_context=True)
def nav_item(context: dict[str, Any], target: str, label: str,
             section: str = "") -> dict[str, Any]:
    """A main-menu link marked current when the page belongs to its section.

    ``target`` is a URL name of this app (current when the page's URL name starts with
    ``section``, so "customer" covers the list, detail and address pages) or a plain path
    of another app (current for every page under it)."""
    request = context.get("request")
    if target.startswith("/"):
        return {"href": target, "label": label,
                "current": request is not None and request.path.startswith(target)}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match and match.namespace == "web" else ""
    section = section or target.split(":")[-1]
    return {"href": reverse(target), "label": label,
            "current": bool(current) and current.startswith(section)}


# Where a model's status label reads wrong on its own document: the credit note's "open"
# shares its word with the invoice's ("unpaid"), but a credit note is unused, not unpaid.
BADGE_LABELS = {("CreditNote", "open"): pgettext_lazy("credit note status", "Open")}


@register.simple_tag
def status_badge(document: Any, field: str = "status") -> str:
    """A document's status as a colored badge (the color comes from the value's CSS class)."""
    value = getattr(document, field)
    label = (BADGE_LABELS.get((type(document).__name__, value))
             or getattr(document, f"get_{field}_display")())
    return format_html('<span class="badge status-{}">{}</span>', value, label)


@register.filter
def qty(value: Any, product: Any) -> str:
    """A quantity with the decimal places its product allows."""
    if value is None or value == "":
        return ""
    return floatformat(value, product.quantity_precision)


@register.filter
def money(value: Any) -> str:
    """An amount with two decimals and digit grouping."""
    if value is None or value == "":
        return ""
    return floatformat(value, "2g")


@register.filter
def currency(value: Any) -> str:
    """An amount with its currency sign, grouped as the page's language groups (¥2,180,376.53):
    cards, KPIs, totals and the money columns of tables."""
    return format_currency(value)


@register.filter
def status_label(value: str) -> str:
    """The translated label of any document status value (history rows store the value)."""
    return str(STATUS_LABELS.get(value, value)) if value else ""


@register.simple_tag
def page_numbers(page: Any) -> list:
    """The page numbers to show around the current page, with "…" for the gaps."""
    return list(page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1))


@register.simple_tag(takes_context=True)
def kept_query(context: dict[str, Any], *dropped: str) -> str:
    """Hidden inputs repeating the page's query (its filters) but ``dropped``."""
    request = context.get("request")
    if request is None:
        return ""
    return format_html_join("", '<input type="hidden" name="{}" value="{}">', (
        (name, value) for name, values in request.GET.lists() if name not in dropped
        for value in values))


# Ledger lines name their document by type; these open it.
DOCUMENT_PAGES = {"outbound": "web:outbound_detail", "return": "web:return_detail",
                  "order": "web:order_detail", "invoice": "web:invoice_detail",
                  "credit_note": "web:credit_note_detail", "payment": "web:payment_detail"}


@register.simple_tag
def document_link(source_type: str, source_id: Any, label: str) -> str:
    """A document's number as a link to its page (plain text for a kind without a page)."""
    page = DOCUMENT_PAGES.get(source_type)
    if not page or not source_id or not label:
        return label or ""
    return format_html('<a href="{}">{}</a>', reverse(page, args=[source_id]), label)


@register.simple_tag(takes_context=True)
def sort_header(context: dict[str, Any], key: str, label: str, css: str = "") -> str:
    """A column header that sorts the list by ``key`` (again: the other way round); a plain
    header where the list does not sort by it (a partial shared with a detail page)."""
    if key not in context.get("sortable", {}):
        return format_html('<th class="{}">{}</th>', css, label)
    request = context["request"]
    current = request.GET.get("sort", "")
    descending = current == key
    query = request.GET.copy()
    query["sort"] = f"-{key}" if descending else key
    query.pop("page", None)
    mark = "▲" if current == key else "▼" if current == f"-{key}" else ""
    aria = ("ascending" if current == key else "descending" if current == f"-{key}"
            else "none")
    return format_html('<th class="{}" aria-sort="{}"><a href="?{}" class="sort">{} {}</a></th>',
                       css, aria, query.urlencode(), label, mark)
