"""The interface speaks French first: every shipped string has a French translation.

English is the source language of the code, so the English interface is complete
by construction; the French catalogues (the project's, and those the later parts
keep in ``helice/<app>/locale/``) must cover every string, with the same
placeholders."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = Path("locale") / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")
# The project catalogue, then each app's own (paths relative to the project root).
CATALOGUES = [PO, *sorted(path.relative_to(ROOT) / PO for path in (ROOT / "helice").glob("*") if (path / PO).is_file())]


def catalogue(relative: Path = PO):
    return polib.pofile(str(ROOT / relative))


def test_apps_catalogues_are_found():
    assert Path("helice/agenda") / PO in CATALOGUES
    assert Path("helice/participation") / PO in CATALOGUES


@pytest.mark.parametrize("relative", CATALOGUES, ids=str)
def test_french_catalogue_is_complete(relative):
    po = catalogue(relative)
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


@pytest.mark.parametrize("relative", CATALOGUES, ids=str)
def test_translations_keep_their_placeholders(relative):
    for entry in catalogue(relative).translated_entries():
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, s) for s in entry.msgstr_plural.values()]
        for source, translation in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translation)), entry.msgid


@pytest.mark.skipif(
    shutil.which("xgettext") is None and os.environ.get("CI", "").lower() not in {"1", "true", "yes"},
    reason="GNU gettext (xgettext) is not installed (CI installs it and never skips this test)",
)
def test_catalogue_holds_every_string_of_the_code(tmp_path):
    """makemessages on a copy of the code finds no string the catalogues lack (it
    writes an app's strings to that app's ``locale/`` when it has one)."""
    root = ROOT
    shutil.copytree(root / "helice", tmp_path / "helice", ignore=shutil.ignore_patterns("__pycache__", "tests*"))
    shutil.copy(root / "manage.py", tmp_path / "manage.py")
    (tmp_path / "locale").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "--locale", "fr", "--no-obsolete", "--no-location"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env=env,
    )
    for relative in CATALOGUES:
        found = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / relative))}
        assert len(found) > 2, f"makemessages found almost nothing for {relative}: check the copy"
        known = {(e.msgctxt, e.msgid) for e in catalogue(relative)}
        missing = sorted(m for _, m in found - known)
        assert not missing, f"run `make messages-extract`; missing from {relative}: {missing[:20]}"
