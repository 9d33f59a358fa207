"""What changed between two states of an object, as a person reads it."""

import difflib
import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from .registry import Adapter

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
LONG_TEXT = 120


@dataclass
class FieldChange:
    name: str
    label: str
    before: str
    after: str
    inline: SafeString | None = None  # a word-level diff of long texts


def word_diff(before: str, after: str) -> SafeString:
    """Both texts escaped, words removed in <del> and added in <ins>, each with a
    hidden word for screen readers (the meaning never rests on colour)."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    removed, added = escape(_("removed:")), escape(_("added:"))
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f'<del><span class="visually-hidden">[{removed}]</span>{escape("".join(a[i1:i2]))}</del>')
        if op in ("insert", "replace"):
            out.append(f'<ins><span class="visually-hidden">[{added}]</span>{escape("".join(b[j1:j2]))}</ins>')
    return mark_safe("".join(out))  # noqa: S308 - every piece of text above is escaped


def changes(adapter: Adapter, before: dict, after: dict) -> list[FieldChange]:
    result = []
    for name in adapter.fields:
        if before.get(name) == after.get(name):
            continue
        shown_before = adapter.display(name, before.get(name))
        shown_after = adapter.display(name, after.get(name))
        inline = None
        if isinstance(after.get(name), str) and max(len(shown_before), len(shown_after)) > LONG_TEXT:
            inline = word_diff(before.get(name) or "", after.get(name) or "")
        result.append(FieldChange(name, adapter.label(name), shown_before, shown_after, inline))
    return result
