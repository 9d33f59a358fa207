"""The hostile-input harness catches what it must, and passes what is safe.

Its own tiny URLconf: a well-behaved form, one that renders the value unescaped
and one that crashes on a NUL byte (as code reading request.POST directly and
writing to PostgreSQL would).
"""

import pytest
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpResponse, HttpResponseRedirect
from django.template import Context, Template
from django.urls import path
from django.utils.safestring import mark_safe

from helice.core.testing.hostile import (
    HOSTILE_INPUTS,
    assert_form_resists_hostile_input,
    assert_inert,
    inert_problems,
)

STORE: dict[str, str] = {}
PAGE = Template(
    '<!DOCTYPE html><html><head><script src="/static/vendor/htmx/htmx.min.js" defer></script>'
    '<script type="application/ld+json">{"name": "x"}</script></head>'
    "<body><form method=post>{{ form }}</form><p>{{ value }}</p></body></html>"
)


class NoteForm(forms.Form):
    note = forms.CharField(max_length=200_000)


def good(request):
    form = NoteForm(request.POST)
    if form.is_valid():
        STORE["note"] = form.cleaned_data["note"]
        return HttpResponseRedirect("/show/")
    return HttpResponse(PAGE.render(Context({"form": form})))


def show(request):
    return HttpResponse(PAGE.render(Context({"form": NoteForm(), "value": STORE.get("note", "")})))


def unescaped(request):
    return HttpResponse(PAGE.render(Context({"form": "", "value": mark_safe(request.POST["note"])})))


def crashes_on_nul(request):
    if "\x00" in request.POST["note"]:
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return HttpResponse("ok")


def refuses(request):
    return HttpResponse("Invalid note.", status=400)


urlpatterns = [
    path("good/", good),
    path("show/", show),
    path("unescaped/", unescaped),
    path("crashes/", crashes_on_nul),
    path("refuses/", refuses),
]

pytestmark = pytest.mark.urls(__name__)


@pytest.fixture(autouse=True)
def _empty_store():
    STORE.clear()
    yield
    STORE.clear()


def test_a_well_behaved_form_passes_and_nul_is_a_form_error(client):
    statuses = assert_form_resists_hostile_input(client, "/good/", "note")
    assert set(statuses) == {name for name, _ in HOSTILE_INPUTS}
    # Django's CharField refuses NUL: the form comes back with its error, not a 500.
    assert statuses["null_byte"] == 200
    assert statuses["script_tag"] == 302
    response = client.post("/good/", {"note": "abc\x00def"})
    assert str(ProhibitNullCharactersValidator.message) in response.content.decode()


def test_a_clean_refusal_is_accepted(client):
    statuses = assert_form_resists_hostile_input(client, "/refuses/", "note")
    assert set(statuses.values()) == {400}


def test_unescaped_output_is_caught(client):
    with pytest.raises(AssertionError, match=r"(?s)script_tag.*element <script>"):
        assert_form_resists_hostile_input(client, "/unescaped/", "note")


def test_a_crash_is_caught_and_names_the_input(client):
    with pytest.raises(AssertionError, match="null_byte"):
        assert_form_resists_hostile_input(client, "/crashes/", "note")


def test_show_url_and_data_can_be_functions(client):
    seen = []

    def show_url(name, response):
        seen.append((name, response.status_code))
        return "/show/"

    assert_form_resists_hostile_input(
        client, "/good/", "note", data=lambda name: {"other": name}, show_url=show_url, inputs=HOSTILE_INPUTS[:2]
    )
    assert seen == [("script_tag", 302), ("script_uppercase", 302)]


@pytest.mark.parametrize(
    "html",
    [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot; autofocus onfocus=&quot;alert(1)",
        '<p title="&quot; onfocus=&quot;x">onload=</p>',
        '<script src="/static/core/map.js" defer></script>',
        '<script type="application/json" id="d">{"a": "javascript:x"}</script>',
        '<a href="https://example.org/javascript:">l</a>',
    ],
)
def test_escaped_text_and_page_owned_scripts_are_inert(html):
    assert inert_problems(html) == []


@pytest.mark.parametrize(
    "html",
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        "<svg><circle/></svg>",
        '<a href="jav&#x09;ascript:alert(1)">c</a>',
        '<a href=" JAVASCRIPT:alert(1)">c</a>',
        '<a href="data:text/html;base64,xx">c</a>',
        "<iframe src=x></iframe>",
        '<p style="background:url(javascript:alert(1))">x</p>',
        '<button hx-on:click="alert(1)">x</button>',
        '<meta http-equiv="refresh" content="0;url=https://evil.example">',
        '<p x="y" onmouseover=alert(1)>x</p>',
    ],
)
def test_executable_markup_is_caught(html):
    with pytest.raises(AssertionError, match="executable markup"):
        assert_inert(html)


def test_allowed_snippets_are_ignored():
    assert_inert('<p>a</p><script nonce="abc">ok()</script>', allowed=('<script nonce="abc">ok()</script>',))
