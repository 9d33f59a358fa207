"""Fill French translations into locale/fr/LC_MESSAGES/django.po from a YAML or
JSON mapping {English msgid: French msgstr}, and list what is still missing.

    .venv/bin/python scripts/translate.py                 # list untranslated and fuzzy entries
    .venv/bin/python scripts/translate.py fr.yaml         # apply a mapping, then list what is left
    .venv/bin/python scripts/translate.py --app agenda [fr.yaml]   # the same for an app's own catalogue

An entry given in the mapping loses its fuzzy flag. Plural entries take a list
[singular, plural]."""

import sys
from pathlib import Path

import polib
import yaml

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def main(argv):
    path = PO
    if len(argv) > 2 and argv[1] == "--app":
        path = ROOT / "helice" / argv[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"
        argv = [argv[0], *argv[3:]]
    po = polib.pofile(str(path))
    if len(argv) > 1:
        mapping = yaml.safe_load(Path(argv[1]).read_text(encoding="utf-8")) or {}
        for entry in po:
            if entry.msgid in mapping:
                value = mapping[entry.msgid]
                if entry.msgid_plural:
                    entry.msgstr_plural = {0: value[0], 1: value[1]}
                else:
                    entry.msgstr = value
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
                # Drop "#| previous msgid" comments: polib writes a lone
                # "#| msgid_plural" otherwise, which GNU msgfmt refuses.
                entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        po.save()
    left = [e for e in po if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)]
    for entry in left:
        print(repr(entry.msgid))
    print(f"{len(left)} entries left", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
