from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from types import ModuleType
from typing import Any

from django.apps import apps
from django.core import checks as django_checks
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError


class Command(BaseCommand):
    help = ("Verify the business invariants on the live database (stock == ledger, …) and "
            "Django's system checks; exits 1 naming each violation.")
    requires_system_checks = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deploy", action="store_true",
                            help="Only Django's system checks, with its deployment checks; "
                                 "every warning counts (as `manage.py check --deploy`).")

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["deploy"]:
            return self._deployment_checks()
        problems = [str(m) for m in django_checks.run_checks()
                    if m.level >= django_checks.ERROR]
        for message in problems:
            self.stderr.write(f"system check: {message}")
        for label, check in self._invariant_checks():
            try:
                found = list(check())
            except DatabaseError as exc:
                found = [f"could not run ({exc}); is the database migrated?"]
            for violation in found:
                self.stderr.write(f"VIOLATION [{label}]: {violation}")
            problems += found
            self.stdout.write(f"{'FAIL' if found else 'ok  '} {label}")
        self._report_info()
        if problems:
            self.stderr.write(f"{len(problems)} problem(s) found.")
            raise SystemExit(1)
        self.stdout.write("All invariants hold.")

    def _report_info(self) -> None:
        """Not invariants but what an operator wants to see next to them (e.g. how far the
        event relay is behind): each app may declare INFO = [(label, callable returning a
        line)] in checks.py, so that this command imports no app."""
        for config in apps.get_app_configs():
            module = self._checks_module(config.name)
            for label, summary in getattr(module, "INFO", []):
                try:
                    line = summary()
                except DatabaseError as exc:
                    line = f"could not read ({exc})"
                self.stdout.write(f"info {label}: {line}")

    def _deployment_checks(self) -> None:
        found = [m for m in django_checks.run_checks(include_deployment_checks=True)
                 if m.level >= django_checks.WARNING and not m.is_silenced()]
        for message in found:
            self.stderr.write(f"system check: {message}")
        if found:
            self.stderr.write(f"{len(found)} problem(s) found.")
            raise SystemExit(1)
        self.stdout.write("System check identified no issues (deployment checks included).")

    @staticmethod
    def _checks_module(app_name: str) -> ModuleType | None:
        if not app_name.startswith("wms_sales."):
            return None
        try:
            return importlib.import_module(f"{app_name}.checks")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_name}.checks":
                raise
            return None

    @classmethod
    def _invariant_checks(cls) -> Iterator[tuple[str, Callable[[], Iterable[str]]]]:
        # Each app may declare CHECKS = [(label, callable yielding violations)] in checks.py.
        for config in apps.get_app_configs():
            yield from getattr(cls._checks_module(config.name), "CHECKS", [])
