from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wms_sales.onboarding.files import FileProblem, file_format
from wms_sales.onboarding.kinds import KINDS
from wms_sales.onboarding.services import export_file

USAGE_ERROR = 2


class Command(BaseCommand):
    help = ("Export customers, products or stock on hand to a .csv or .xlsx file (the format "
            "from the extension), or as CSV to standard output with FILE '-'. The files import "
            "again with `wms-sales import`.")

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=list(KINDS))
        parser.add_argument("file", help="a .csv or .xlsx path, or - for CSV on stdout")
        parser.add_argument("--headers", choices=("zh", "en"), default="zh",
                            help="Chinese (default) or English column names")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["file"] == "-":
            # No byte-order mark on a pipe: it is only there for Excel.
            data = export_file(kind=opts["kind"], fmt="csv", language=opts["headers"], bom=False)
            self.stdout.write(data.decode("utf-8"), ending="")
            return
        path = Path(opts["file"])
        try:
            data = export_file(kind=opts["kind"], fmt=file_format(path.name),
                               language=opts["headers"])
            path.write_bytes(data)
        except FileProblem as exc:
            raise CommandError(exc.message, returncode=USAGE_ERROR) from exc
        except OSError as exc:
            raise CommandError(_("Cannot write %(path)s: %(reason)s")
                               % {"path": path, "reason": exc.strerror},
                               returncode=USAGE_ERROR) from exc
        self.stdout.write(_("Exported %(kind)s to %(path)s.") % {"kind": opts["kind"],
                                                                  "path": path})
