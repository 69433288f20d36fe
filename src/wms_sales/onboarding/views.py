"""The onboarding page: upload a file to import, download the lists to export."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language

from wms_sales.common.errors import DomainError

from .files import FORMATS, FileProblem
from .forms import ImportForm
from .kinds import KINDS, Kind
from .services import ImportReport, export_file, import_file

SHOWN_ERRORS = 500  # a page of problems is enough to start fixing; the CLI lists them all
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _kinds_with(request: HttpRequest, perm: str) -> list[Kind]:
    return [kind for kind in KINDS.values() if request.user.has_perm(getattr(kind, perm))]


@login_required
def index(request: HttpRequest) -> HttpResponse:
    importable = _kinds_with(request, "add_perm")
    exportable = _kinds_with(request, "view_perm")
    if not importable and not exportable:
        raise PermissionDenied
    report: ImportReport | None = None
    if request.method == "POST":
        chosen = KINDS.get(request.POST.get("kind", ""))
        if chosen is not None and chosen not in importable:
            raise PermissionDenied
        form = ImportForm(request.POST, request.FILES, kinds=importable)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                report = import_file(actor=request.user, kind=form.cleaned_data["kind"],
                                     data=upload.read(), filename=upload.name,
                                     dry_run=form.cleaned_data["dry_run"])
            except DomainError as exc:
                form.add_error("file" if isinstance(exc, FileProblem) else None, exc.message)
    else:
        form = ImportForm(kinds=importable)
    exports = [(kind, [(fmt, reverse("onboarding:export", args=[kind.name, fmt]))
                       for fmt in FORMATS]) for kind in exportable]
    return render(request, "onboarding/index.html", {
        "form": form if importable else None, "kinds": importable, "report": report,
        "shown_errors": report.errors[:SHOWN_ERRORS] if report else [], "exports": exports,
    })


@login_required
def export(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    spec = KINDS[kind]  # the URL pattern only matches known kinds and formats
    if not request.user.has_perm(spec.view_perm):
        raise PermissionDenied
    # Headers and choices in the words of the page's language, which imports read back.
    language = "zh" if (get_language() or "").startswith("zh") else "en-labels"
    filename = f"{kind}-{timezone.localdate():%Y%m%d}.{fmt}"
    return HttpResponse(export_file(kind=kind, fmt=fmt, language=language),
                        content_type=CONTENT_TYPES[fmt],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
