"""Compile the project's .po catalogues to .mo with polib (no GNU gettext needed)."""

from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand


def catalogue_dirs() -> list[Path]:
    """The project catalogue (``LOCALE_PATHS``) and each Hélice app's own
    ``locale/`` directory (the later parts keep their strings beside their code)."""
    dirs = [Path(path) for path in settings.LOCALE_PATHS]
    for config in apps.get_app_configs():
        if config.name.startswith("helice.") and (Path(config.path) / "locale").is_dir():
            dirs.append(Path(config.path) / "locale")
    return dirs


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po (the project's and each app's) to .mo files (pure Python)."

    def handle(self, *args, **options):
        compiled = 0
        for locale_path in catalogue_dirs():
            for po_path in locale_path.glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                compiled += 1
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"Compiled {compiled} catalogue(s).")
