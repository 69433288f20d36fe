"""Printable order confirmations and invoices: one template per document for the page and
its PDF, laid out like the delivery note (web/print/base.html)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from wms_sales.common.pdf import html_to_pdf
from wms_sales.finance.models import Invoice
from wms_sales.orders.models import SalesOrder

LINE_FIGURES = ("line_no", "quantity", "unit_price", "discount_percent", "tax_rate_percent",
                "net_amount", "tax_amount", "total_amount")


def _order_lines(order: SalesOrder) -> list[dict[str, Any]]:
    return [{**{name: getattr(line, name) for name in LINE_FIGURES}, "sku": line.product.sku,
             "name": line.product.name, "unit": line.product.unit}
            for line in order.lines.select_related("product").order_by("line_no")]


def _invoice_lines(invoice: Invoice) -> list[dict[str, Any]]:
    return [{**{name: getattr(line, name) for name in LINE_FIGURES}, "sku": line.sku,
             "name": line.description, "unit": line.unit}
            for line in invoice.lines.order_by("line_no")]


def render_html(document: SalesOrder | Invoice, request: HttpRequest | None = None) -> str:
    if isinstance(document, SalesOrder):
        template, lines = "web/print/order.html", _order_lines(document)
    else:
        template, lines = "web/print/invoice.html", _invoice_lines(document)
    return render_to_string(template, {"document": document, "lines": lines,
                                       "company": settings.WMS_COMPANY_NAME}, request=request)


def page(document: SalesOrder | Invoice, request: HttpRequest) -> HttpResponse:
    return HttpResponse(render_html(document, request))


def pdf(document: SalesOrder | Invoice, request: HttpRequest) -> HttpResponse:
    response = HttpResponse(html_to_pdf(render_html(document, request)),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.number}.pdf"'
    return response
