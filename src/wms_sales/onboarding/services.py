"""Onboarding use cases: import a file all-or-nothing, export a list.

An import validates every row first and writes nothing unless all of them pass; then it
writes every row in one transaction."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from wms_sales.common.actors import Actor
from wms_sales.common.errors import Conflict, NotFound

from .errors import OnboardingError
from .files import file_format, read_table, write_csv, write_xlsx
from .kinds import KINDS, Kind, Progress, RowError, no_progress


@dataclass
class ImportReport:
    kind: str
    filename: str
    rows: int  # data rows in the file
    errors: list[RowError] = field(default_factory=list)
    imported: int = 0
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise NotFound(_("Unknown kind “%(kind)s”; choose one of: %(kinds)s.")
                       % {"kind": name, "kinds": ", ".join(KINDS)},
                       code=OnboardingError.UNKNOWN_KIND) from None


def import_file(*, actor: Actor, kind: str, data: bytes, filename: str, dry_run: bool = False,
                progress: Progress = no_progress) -> ImportReport:
    """Validate every row of ``data``; unless one is bad (or ``dry_run``), import them all.

    Raises ``FileProblem`` when the file cannot be read at all, ``Conflict`` when a
    concurrent change collides with the rows at write time (then nothing is written)."""
    spec = get_kind(kind)
    table = read_table(data, filename)
    checked = spec.validate(table, progress)
    report = ImportReport(kind=spec.name, filename=filename, rows=len(table.rows),
                          errors=checked.errors, dry_run=dry_run)
    if checked.errors or dry_run:
        return report
    try:
        with transaction.atomic():
            report.imported = spec.write(checked.items, actor=actor, source=filename,
                                         progress=progress)
    except IntegrityError as exc:
        raise Conflict(_("Another change collided with this import, so nothing was imported; "
                         "please try again. (%(reason)s)") % {"reason": exc},
                       code=OnboardingError.IMPORT_CONFLICT) from exc
    return report


def export_file(*, kind: str, fmt: str, language: str = "zh", bom: bool = True) -> bytes:
    """The list of ``kind`` as CSV (UTF-8) or XLSX, with Chinese (``zh``) headers and labels,
    English ones (``en-labels``), or the English keys and stored values (``en``)."""
    spec = get_kind(kind)
    headers, rows = spec.headers(language), spec.export_rows(language)
    if file_format(f"export.{fmt}") == "csv":
        return write_csv(headers, rows, bom=bom).encode("utf-8")
    return write_xlsx(headers, rows, title=spec.name)
