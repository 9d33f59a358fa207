"""The interface speaks French first: every shipped string has a French translation.

English is the source language of the code, so the English interface is complete
by construction; the French catalogue must cover every string, with the same
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

PO_PATH = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w*)\}")


def catalogue():
    return polib.pofile(str(PO_PATH))


def test_french_catalogue_is_complete():
    po = catalogue()
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated: {untranslated[:20]}"
    assert not fuzzy, f"fuzzy: {fuzzy[:20]}"


def test_translations_keep_their_placeholders():
    for entry in catalogue().translated_entries():
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
    """makemessages on a copy of the code finds no string the catalogue lacks."""
    root = Path(settings.BASE_DIR)
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
    found = {(e.msgctxt, e.msgid) for e in polib.pofile(str(tmp_path / "locale/fr/LC_MESSAGES/django.po"))}
    assert len(found) > 50, "makemessages found almost nothing: check the copy"
    known = {(e.msgctxt, e.msgid) for e in catalogue()}
    missing = sorted(m for _, m in found - known)
    assert not missing, f"run `make messages-extract`; missing from the catalogue: {missing[:20]}"
