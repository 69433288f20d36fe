"""Compile the package's .po catalogues to .mo with polib, so an install needs no GNU gettext
(Django's own compilemessages shells out to msgfmt)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

import wms_sales


def catalogue_files() -> list[Path]:
    """Every .po under a locale folder of the package (the project's and any app's) and
    under settings.LOCALE_PATHS."""
    package = Path(wms_sales.__file__).resolve().parent
    found = {po for po in package.rglob("*.po") if "locale" in po.relative_to(package).parts}
    found |= {po.resolve() for path in settings.LOCALE_PATHS for po in Path(path).rglob("*.po")}
    return sorted(found)


def compile_catalogue(po_path: Path) -> Path:
    mo_path = po_path.with_suffix(".mo")
    # polib leaves fuzzy and untranslated entries out, as msgfmt does.
    polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
    return mo_path


class Command(BaseCommand):
    help = "Compile every .po catalogue of wms-sales to .mo (pure Python, no gettext needed)."
    requires_system_checks = []

    def handle(self, *args: Any, **opts: Any) -> None:
        catalogues = catalogue_files()
        for po_path in catalogues:
            try:
                mo_path = compile_catalogue(po_path)
            except (OSError, ValueError) as exc:
                raise CommandError(f"Could not compile {po_path}: {exc}") from exc
            if opts["verbosity"] > 1:
                self.stdout.write(f"compiled {mo_path}")
        if opts["verbosity"]:
            self.stdout.write(f"Compiled {len(catalogues)} translation catalogue(s).")
