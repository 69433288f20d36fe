from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from wms_sales.common.actors import Actor, SystemActor
from wms_sales.common.errors import DomainError
from wms_sales.onboarding.files import FileProblem, file_format
from wms_sales.onboarding.kinds import KINDS, Progress
from wms_sales.onboarding.services import import_file

T = TypeVar("T")
USAGE_ERROR = 2  # like argparse: the command could not start; 1 means rows were rejected


class Command(BaseCommand):
    help = ("Import customers, products or opening stock from a .csv or .xlsx file: every row "
            "is validated first and the file is imported all or nothing; exits 1 listing each "
            "bad row (row, field, message).")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", help="a .csv (UTF-8 or GB18030) or .xlsx file")
        parser.add_argument("--dry-run", action="store_true",
                            help="validate and report, import nothing")
        parser.add_argument("--user", help="username recorded as the actor of the import")
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress bar (it is off anyway when stderr is not a TTY)")

    def handle(self, *args: Any, **opts: Any) -> None:
        path = Path(opts["file"])
        try:
            file_format(path.name)
            data = path.read_bytes()
        except FileProblem as exc:
            raise CommandError(exc.message, returncode=USAGE_ERROR) from exc
        except OSError as exc:
            raise CommandError(_("Cannot read %(path)s: %(reason)s")
                               % {"path": path, "reason": exc.strerror},
                               returncode=USAGE_ERROR) from exc
        try:
            report = import_file(actor=self._actor(opts["user"]), kind=opts["kind"], data=data,
                                 filename=path.name, dry_run=opts["dry_run"],
                                 progress=self._progress(opts["no_progress"]))
        except FileProblem as exc:
            raise CommandError(f"{path}: {exc.message}", returncode=USAGE_ERROR) from exc
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc
        if report.errors:
            for error in report.errors:
                self.stderr.write(_("row %(row)s, %(field)s: %(message)s") % {
                    "row": error.row, "field": error.field or "-", "message": error.message})
            raise CommandError(_("%(count)s problem(s) in %(path)s; nothing was imported.")
                               % {"count": len(report.errors), "path": path}, returncode=1)
        if report.dry_run:
            self.stdout.write(_("All %(rows)s rows of %(path)s are valid; dry run, nothing "
                                "was imported.") % {"rows": report.rows, "path": path})
        else:
            self.stdout.write(_("Imported %(count)s rows of %(kind)s from %(path)s.")
                              % {"count": report.imported, "kind": report.kind, "path": path})

    @staticmethod
    def _actor(username: str | None) -> Actor:
        if not username:
            return SystemActor("import")
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user named %(name)s.") % {"name": username},
                               returncode=USAGE_ERROR)
        return user

    def _progress(self, off: bool) -> Progress:
        # The raw stream: Django's wrapper would end each of tqdm's redraws with a newline.
        stream = getattr(self.stderr, "_out", self.stderr)

        def progress(items: Iterable[T], *, total: int, desc: str) -> Iterable[T]:
            # disable=None: tqdm switches itself off when the stream is not a terminal.
            return tqdm(items, total=total, desc=desc, unit=_("rows"), file=stream,
                        disable=True if off else None, dynamic_ncols=True)

        return progress
