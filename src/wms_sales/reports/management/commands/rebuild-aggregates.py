from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from wms_sales.reports.rebuild import rebuild


class Command(BaseCommand):
    help = ("Recompute the report aggregates from the documents, print every row that "
            "differed, and store the recomputed figures.")

    def add_arguments(self, parser):
        parser.add_argument("--show", type=int, default=50,
                            help="print at most this many differing rows")

    def handle(self, *args, **opts):
        started = time.monotonic()
        found = rebuild()
        for line in found[:opts["show"]]:
            self.stdout.write(f"differed: {line}")
        if len(found) > opts["show"]:
            self.stdout.write(f"… and {len(found) - opts['show']} more")
        self.stdout.write(f"Aggregates rebuilt in {time.monotonic() - started:.1f}s; "
                          f"{len(found)} row(s) had differed.")
