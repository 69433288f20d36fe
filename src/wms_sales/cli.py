"""The ``wms-sales`` command: Django's management utility with the project's settings.

Project commands: serve, demo, createuser, revoketoken, check, import, export,
compiletranslations; every Django command (migrate, shell, …) works too."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wms_sales.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["wms-sales", *(sys.argv[1:] if argv is None else argv)])
    except ImproperlyConfigured as exc:
        print(f"wms-sales: configuration error: {exc}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
