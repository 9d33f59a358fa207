"""A corpus of hostile input for free-text fields.

Every free-text field a user can fill is tested with each of these values: the
value must be stored without breaking anything (or refused with a clear 4xx
message, never a 500) and rendered inert (no executable markup reaches the page).
"""

from __future__ import annotations

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

# Substrings that must never appear, unescaped, in a page that shows user text.
DANGEROUS_MARKUP = ("<script", "onerror=", "onload=", "onfocus=", "javascript:", "<iframe", "<svg")


def assert_inert(html: str, allowed: tuple[str, ...] = ()) -> None:
    """Fail if ``html`` (a rendered page or fragment) holds executable markup
    that came from user input. ``allowed`` lists page-owned snippets to ignore
    (e.g. the site's own ``<script src=...>`` tags)."""
    text = html
    for snippet in allowed:
        text = text.replace(snippet, "")
    lowered = text.lower()
    for marker in DANGEROUS_MARKUP:
        assert marker not in lowered, f"unescaped {marker!r} in rendered output"
