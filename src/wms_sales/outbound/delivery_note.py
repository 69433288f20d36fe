"""The delivery note (送货单): one template for the printable page and the PDF."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.template.loader import render_to_string

from wms_sales.common.errors import DomainError

from .models import Outbound

TEMPLATE = "outbound/delivery_note.html"


def render_html(outbound: Outbound, request: HttpRequest | None = None) -> str:
    return render_to_string(TEMPLATE, {"outbound": outbound, "order": outbound.order,
                                       "lines": list(outbound.lines.all()),
                                       "company": settings.WMS_COMPANY_NAME}, request=request)


def render_pdf(outbound: Outbound, request: HttpRequest | None = None) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only this path needs.
    try:
        import weasyprint
    except OSError as exc:  # the system library is missing, not our input
        raise DomainError(
            "PDF rendering needs the Pango library (Debian: apt-get install "
            "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk); the printable page works "
            "without it.", code="pdf_unavailable", status=503) from exc
    return weasyprint.HTML(string=render_html(outbound, request)).write_pdf()
