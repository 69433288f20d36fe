"""The delivery note (送货单): one template for the printable page and the PDF."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from wms_sales.common.pdf import html_to_pdf

from .models import Outbound

TEMPLATE = "outbound/delivery_note.html"


def render_html(outbound: Outbound, request: HttpRequest | None = None) -> str:
    return render_to_string(TEMPLATE, {"outbound": outbound, "order": outbound.order,
                                       "lines": list(outbound.lines.all()),
                                       "company": settings.WMS_COMPANY_NAME}, request=request)


def render_pdf(outbound: Outbound, request: HttpRequest | None = None) -> bytes:
    return html_to_pdf(render_html(outbound, request))
