"""Rich text: an explicit allow-list of markup, everything else removed (nh3).

Plain-text fields are shown through Django's autoescape and never need this.
A field that accepts formatting (an organisation's description, later a
service's or an event's) is always rendered with ``{{ value|rich }}`` from
``{% load helice %}``, which calls :func:`rich_text`. Nothing else in the code
should mark user text as safe.

Allowed: paragraphs, line breaks, bold and italic, lists, level-3/4 headings,
quotations, inline code, and links whose address is http, https or mailto.
Every link gets ``rel="noopener noreferrer nofollow"`` whatever the author
wrote. Scripts, styles, iframes, SVG, event handlers, ``style`` attributes,
classes and ids are all removed; the text inside ``<script>`` and ``<style>``
is removed too, the text of other unknown tags is kept as text.
"""

from __future__ import annotations

import html as html_lib
import re

import nh3
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS: frozenset[str] = frozenset(
    {"p", "br", "strong", "em", "b", "i", "ul", "ol", "li", "a", "h3", "h4", "blockquote", "code"}
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "mailto"})
LINK_REL = "noopener noreferrer nofollow"
# Removed with their content, not just their tags.
DROPPED_WITH_CONTENT: frozenset[str] = frozenset({"script", "style", "iframe", "object", "embed", "svg", "math"})

# Anything that looks like an HTML tag: then the text is treated as markup.
_LOOKS_LIKE_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>")
_BLANK_LINES = re.compile(r"\n\s*\n")
# nh3's output: tags (no ">" inside, see _attribute_filter) and text between them.
_TAG_OR_TEXT = re.compile(r"(<[^>]*>)")


def _attribute_filter(tag: str, attribute: str, value: str) -> str:
    """Keep angle brackets out of attribute values, so that every ``>`` in the output
    closes a tag (addresses keep them percent-encoded)."""
    if attribute == "href":
        return value.replace("<", "%3C").replace(">", "%3E")
    return value.replace("<", "").replace(">", "")


def _escape_quotes_in_text(html: str) -> str:
    """nh3 leaves quotes unescaped in text, which is inert but looks like an attribute
    to naive checks and breaks if someone ever puts the text in an attribute."""
    parts = _TAG_OR_TEXT.split(html)
    return "".join(
        part if index % 2 else part.replace('"', "&quot;").replace("'", "&#x27;") for index, part in enumerate(parts)
    )


def sanitize_html(text: str | None) -> str:
    """Keep only the allowed markup of ``text`` (an HTML fragment). The result is
    safe to insert into a page as HTML."""
    if not text:
        return ""
    text = text.replace("\x00", "")
    html = nh3.clean(
        text,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )
    return _escape_quotes_in_text(html)


def _paragraphs(text: str) -> str:
    """Plain text to HTML: blank lines separate paragraphs, single newlines become
    ``<br>``. Every character of the text is escaped."""
    blocks = [block.strip() for block in _BLANK_LINES.split(text.replace("\r\n", "\n").replace("\r", "\n"))]
    return "".join(f"<p>{escape(block).replace(chr(10), '<br>')}</p>" for block in blocks if block)


def rich_text(text: str | None) -> SafeString:
    """Render a rich-text field: plain text becomes paragraphs; text holding
    markup keeps the allowed part of it (and its blank-line paragraphs)."""
    if not text:
        return mark_safe("")
    text = str(text).replace("\x00", "")
    if _LOOKS_LIKE_MARKUP.search(text):
        # Markup written by hand often still separates paragraphs with blank lines:
        # wrap the bare blocks, leave the ones that start with a block tag alone.
        blocks = [block.strip() for block in _BLANK_LINES.split(text.replace("\r\n", "\n")) if block.strip()]
        html = "".join(
            block if re.match(r"<(p|ul|ol|h3|h4|blockquote)\b", block, re.IGNORECASE) else f"<p>{block}</p>"
            for block in blocks
        )
    else:
        html = _paragraphs(text)
    return mark_safe(sanitize_html(html))  # noqa: S308 - sanitised by nh3 with an explicit allow-list


def clean_rich_input(text: str | None) -> str:
    """What a form stores for a rich-text field: plain text as typed (so search,
    CSV and API read it as it is; it is escaped when shown), or, when the text
    holds markup, only its allowed part (nh3)."""
    text = (text or "").replace("\x00", "")
    return sanitize_html(text) if _LOOKS_LIKE_MARKUP.search(text) else text


_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|pre|ul|ol|tr|td|th|dd|dt)\s*>", re.IGNORECASE)


def plain_text(text: str | None) -> str:
    """A rich-text value as plain text: tags removed, entities decoded. For places
    that are not HTML (meta descriptions, JSON-LD, search, list excerpts)."""
    if not text:
        return ""
    if not _LOOKS_LIKE_MARKUP.search(text) and "&" not in text:
        return text
    # Paragraphs, list items and line breaks stay apart ("Fin.</p><p>Début" is
    # not "Fin.Début"): each block's end becomes a line break before tags go.
    text = _BLOCK_END.sub("\n", text)
    lines = (line.strip() for line in html_lib.unescape(strip_tags(text)).split("\n"))
    return "\n".join(line for line in lines if line)
