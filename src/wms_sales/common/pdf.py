"""HTML to PDF for the printable documents (delivery note, order confirmation, invoice)."""

from __future__ import annotations

from .errors import DomainError, ErrorCode


def html_to_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango at import, which only this path needs.
    try:
        import weasyprint
    except OSError as exc:  # the system library is missing, not our input
        raise DomainError(
            "PDF rendering needs the Pango library (Debian: apt-get install "
            "libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk); the printable page works "
            "without it.", code=ErrorCode.PDF_UNAVAILABLE, status=503) from exc
    pdf: bytes = weasyprint.HTML(string=html).write_pdf()  # WeasyPrint ships no types
    return pdf
