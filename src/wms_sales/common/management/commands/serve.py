from __future__ import annotations

import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


def default_workers() -> int:
    """Two worker processes per core this process may run on: a request spends much of its
    time waiting for the database, and the threads of one process share one interpreter
    lock, so one process per core leaves cores idle (WMS_WORKERS overrides)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return 2 * cores


class Command(BaseCommand):
    help = "Serve the app with gunicorn (static files by whitenoise)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--bind", default=os.environ.get("WMS_BIND", "127.0.0.1:8000"))
        parser.add_argument("--workers", type=int,
                            default=int(os.environ.get("WMS_WORKERS") or default_workers()))
        parser.add_argument("--threads", type=int,
                            default=int(os.environ.get("WMS_THREADS", "4")))
        parser.add_argument("--timeout", type=int, default=120)
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args: Any, **opts: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        if not opts["no_collectstatic"]:
            call_command("collectstatic", interactive=False, verbosity=0)
        argv = [sys.executable, "-m", "gunicorn", "wms_sales.wsgi:application",
                "--bind", opts["bind"], "--workers", str(opts["workers"]),
                "--threads", str(opts["threads"]), "--timeout", str(opts["timeout"]),
                "--access-logfile", "-",
                # gunicorn answers requests beyond these limits itself, with a plain-text 414
                # or 431 that no middleware sees. Realistic requests stay well inside them:
                # the longest URL the UI and API build (a search with filters) is under 2 KB,
                # cookies and a bearer token under 1 KB. The request line is gunicorn's maximum.
                "--limit-request-line", "8190",
                "--limit-request-fields", "100",
                "--limit-request-field_size", "16380",
                # gunicorn's control socket defaults to one path per user: a second instance
                # on the machine would share it, and its shutdown would remove ours.
                "--no-control-socket"]
        self.stdout.write(f"Serving on http://{opts['bind']}/ with {opts['workers']} workers")
        self.stdout.flush()
        os.execv(sys.executable, argv)
