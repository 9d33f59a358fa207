"""A corpus of hostile input for free-text fields.

Every free-text field a user can fill is tested with each of these values: the
value must be stored without breaking anything (or refused with a clear 4xx
message, never a 500) and rendered inert (no executable markup reaches the page).

- ``assert_inert(html)`` checks a rendered page or fragment: it parses the HTML and
  fails on any element or attribute that would run code (``<script>``, ``<iframe>``,
  ``<svg>``, ``on*=`` and htmx ``hx-on`` handlers, ``javascript:`` addresses...).
  Escaped text such as ``&lt;script&gt;`` or ``&quot; onfocus=&quot;`` is inert and passes.
- ``assert_form_resists_hostile_input(client, url, field)`` posts every value of
  the corpus to a form and checks the answer (never a 5xx) and the page that
  shows the value (inert). Use it for every form with a free-text field.

NUL bytes: Django's ``forms.CharField`` refuses them ("Null characters are not
allowed."), so a form gets a field error (a 200 re-rendering the form, or a 400
from an API), never a 500. Code that reads ``request.GET``/``request.POST``
without a form must strip or refuse them itself: PostgreSQL rejects NUL in text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from html.parser import HTMLParser
from typing import Any

# (name, value) pairs, so that a failing test says which input broke it.
HOSTILE_INPUTS: list[tuple[str, str]] = [
    ("script_tag", "<script>alert('x')</script>"),
    ("script_uppercase", "<SCRIPT SRC=//evil.example/x.js></SCRIPT>"),
    ("img_onerror", '<img src=x onerror="alert(1)">'),
    ("svg_onload", "<svg onload=alert(1)><circle r=10 /></svg>"),
    ("svg_script", '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("javascript_url", '<a href="javascript:alert(1)">clic</a>'),
    ("javascript_url_obfuscated", '<a href="jav&#x09;ascript:alert(1)">clic</a>'),
    ("data_url", '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">clic</a>'),
    ("style_expression", '<p style="background:url(javascript:alert(1))">x</p>'),
    ("iframe", '<iframe src="https://evil.example"></iframe>'),
    ("attribute_breakout", '" autofocus onfocus="alert(1)'),
    ("template_injection", "{{ 7*7 }} {% debug %} ${7*7}"),
    ("sql_meta", "'; DROP TABLE accounts_user; --"),
    ("null_byte", "abc\x00def"),
    ("rtl_override", "facture\u202egnp.exe"),
    ("zero_width", "zero\u200bwidth\ufeff"),
    ("very_long", "A" * 100_000),
    ("emoji_and_combining", "Énergie 🚀 e\u0301 \U0001f600"),
]

# Substrings that must never appear, unescaped, in a page that shows user text
# (kept for quick checks; assert_inert parses the HTML instead of matching them).
DANGEROUS_MARKUP = ("<script", "onerror=", "onload=", "onfocus=", "javascript:", "<iframe", "<svg")

# Elements that run code or load another document.
DANGEROUS_ELEMENTS = frozenset(
    {"script", "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base", "template"}
)
# Attributes holding an address the browser may follow or load.
URL_ATTRIBUTES = frozenset({"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"})
# <script> data blocks are never executed (json_script, JSON-LD).
DATA_SCRIPT_TYPES = frozenset({"application/json", "application/ld+json"})
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class _InertChecker(HTMLParser):
    def __init__(self, static_prefix: str):
        super().__init__(convert_charrefs=True)
        self.static_prefix = static_prefix
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name.lower(): value or "" for name, value in attrs}
        shown = self.get_starttag_text() or f"<{tag}>"
        if tag == "script" and self._page_owned_script(attributes):
            pass
        elif tag in DANGEROUS_ELEMENTS:
            self.problems.append(f"element <{tag}>: {shown[:120]}")
        if tag == "meta" and attributes.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"meta refresh: {shown[:120]}")
        for name, value in attributes.items():
            if name.startswith("on") or name.startswith("hx-on") or name.startswith("data-hx-on"):
                self.problems.append(f"event handler {name}=: {shown[:120]}")
            elif name in URL_ATTRIBUTES or name == "srcdoc":
                address = _INVISIBLE.sub("", value).lower()
                if name == "srcdoc" or address.startswith(
                    ("javascript:", "vbscript:", "data:text", "data:application")
                ):
                    self.problems.append(f"{name}={value[:60]!r}: {shown[:120]}")
            elif name == "style":
                css = _INVISIBLE.sub("", value).lower()
                if "javascript:" in css or "expression(" in css or "url(" in css:
                    self.problems.append(f"style={value[:60]!r}: {shown[:120]}")

    def _page_owned_script(self, attributes: Mapping[str, str]) -> bool:
        if attributes.get("type", "").lower() in DATA_SCRIPT_TYPES and "src" not in attributes:
            return True
        return bool(self.static_prefix) and attributes.get("src", "").startswith(self.static_prefix)


def _static_prefix() -> str:
    try:
        from django.conf import settings

        return settings.STATIC_URL or ""
    except Exception:
        return "/static/"


def inert_problems(html: str, allowed: Iterable[str] = ()) -> list[str]:
    """The executable markup found in ``html`` (empty when it is inert)."""
    for snippet in allowed:
        html = html.replace(snippet, "")
    checker = _InertChecker(_static_prefix())
    checker.feed(html)
    checker.close()
    return checker.problems


def assert_inert(html: str | bytes, allowed: tuple[str, ...] = ()) -> None:
    """Fail if ``html`` (a rendered page or fragment) holds executable markup:
    dangerous elements, event handlers (``on*``, htmx ``hx-on``), ``javascript:``
    or ``data:`` HTML addresses, styles loading URLs. The site's own scripts
    (``<script src>`` under ``STATIC_URL``) and JSON data blocks are allowed;
    ``allowed`` lists other page-owned snippets to ignore."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", errors="replace")
    problems = inert_problems(html, allowed)
    assert not problems, "executable markup in rendered output:\n" + "\n".join(problems)


def _location(response) -> str | None:
    if 300 <= response.status_code < 400:
        return response.headers.get("Location")
    return None


def assert_form_resists_hostile_input(
    client,
    url: str,
    field: str,
    *,
    data: Mapping[str, Any] | Callable[[str], Mapping[str, Any]] | None = None,
    show_url: str | Callable[[str, Any], str | None] | None = None,
    inputs: Iterable[tuple[str, str]] = HOSTILE_INPUTS,
    allowed: tuple[str, ...] = (),
    **post_options,
) -> dict[str, int]:
    """Post every hostile value to the form at ``url`` in ``field`` and check that
    the site resists.

    - ``client``: a Django test client, logged in as needed.
    - ``data``: the other fields the form needs (a dict, or a function of the input's
      name returning one, e.g. to keep a unique field unique).
    - ``show_url``: where the value is shown afterwards (a URL, or a function
      ``(name, response) -> URL``); by default the redirect target of a 3xx, or the
      answer itself for a 2xx/4xx (a re-rendered form shows the value too).

    Each answer must be a 2xx, a 3xx or a 4xx (a refusal with a message), never a
    5xx nor an exception; each page showing the value must be inert. Returns the
    status code per input name, so a test can assert more (which were refused).
    """
    statuses: dict[str, int] = {}
    for name, value in inputs:
        fields = dict(data(name) if callable(data) else (data or {}))
        fields[field] = value
        try:
            response = client.post(url, fields, **post_options)
        except Exception as error:
            raise AssertionError(f"posting hostile input {name!r} to {url} raised {error!r}") from error
        status = response.status_code
        statuses[name] = status
        assert status < 500, f"posting hostile input {name!r} to {url} answered {status}"
        page_url = show_url(name, response) if callable(show_url) else show_url or _location(response)
        if page_url:
            page = client.get(page_url)
            assert page.status_code < 500, f"after {name!r}, {page_url} answered {page.status_code}"
            html = page.content
        else:
            html = response.content
        try:
            assert_inert(html, allowed)
        except AssertionError as error:
            raise AssertionError(f"hostile input {name!r} posted to {url}: {error}") from None
    return statuses
