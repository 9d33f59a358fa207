"""Rich text keeps its allowed markup and nothing executable."""

import pytest
from django.template import Context, Template
from django.utils.safestring import SafeString

from helice.core.sanitize import LINK_REL, rich_text, sanitize_html
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_inert


@pytest.mark.parametrize(("name", "value"), HOSTILE_INPUTS, ids=[name for name, _ in HOSTILE_INPUTS])
def test_every_hostile_input_comes_out_inert(name, value):
    assert_inert(sanitize_html(value))
    assert_inert(rich_text(value))
    assert "\x00" not in rich_text(value)


@pytest.mark.parametrize(
    "markup",
    [
        "<p>Un <strong>appui</strong> et <em>du</em> <b>gras</b> <i>penché</i></p>",
        "<ul><li>un</li><li>deux</li></ul>",
        "<ol><li>un</li></ol>",
        "<h3>Titre</h3>",
        "<h4>Sous-titre</h4>",
        "<blockquote>Cité</blockquote>",
        "<p>ligne<br>suivante</p>",
        "<p><code>make run</code></p>",
    ],
)
def test_allowed_markup_survives(markup):
    assert sanitize_html(markup) == markup


@pytest.mark.parametrize("scheme_url", ["https://example.org/a?b=1&amp;c=2", "http://example.org/", "mailto:x@y.fr"])
def test_links_keep_allowed_schemes_and_get_a_forced_rel(scheme_url):
    html = sanitize_html(f'<a href="{scheme_url}" title="T" rel="opener" target="_blank" class="x">lien</a>')
    assert html == f'<a href="{scheme_url}" title="T" rel="{LINK_REL}">lien</a>'


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "vbscript:x", "ftp://example.org/"]
)
def test_links_with_other_schemes_lose_their_address(url):
    html = sanitize_html(f'<a href="{url}">lien</a>')
    assert "href" not in html
    assert "lien" in html


@pytest.mark.parametrize(
    ("dirty", "clean"),
    [
        ('<p style="color:red" class="c" id="i" onclick="x()">t</p>', "<p>t</p>"),
        ("<script>alert(1)</script>après", "après"),
        ("<style>p{}</style>après", "après"),
        ("<div><span>texte</span></div>", "texte"),
        ("<h1>grand</h1>", "grand"),
        ("<img src=x>", ""),
        ("<!-- commentaire -->t", "t"),
    ],
)
def test_everything_else_is_removed(dirty, clean):
    assert sanitize_html(dirty) == clean


def test_plain_text_becomes_escaped_paragraphs():
    html = rich_text("Premier paragraphe\nsuite & fin < 3\n\n\n  Second ")
    assert isinstance(html, SafeString)
    assert html == "<p>Premier paragraphe<br>suite &amp; fin &lt; 3</p><p>Second</p>"


def test_markup_with_blank_lines_is_wrapped_in_paragraphs():
    html = rich_text("Intro <strong>forte</strong>\n\n<ul><li>point</li></ul>\n\nFin")
    assert html == "<p>Intro <strong>forte</strong></p><ul><li>point</li></ul><p>Fin</p>"


@pytest.mark.parametrize("empty", [None, ""])
def test_empty_values_render_nothing(empty):
    assert rich_text(empty) == ""
    assert sanitize_html(empty) == ""


def test_the_rich_filter_renders_allowed_markup_and_neutralises_the_rest():
    template = Template("{% load helice %}{{ value|rich }}")
    rendered = template.render(
        Context({"value": '<p>ok <a href="javascript:x" onclick="y">l</a></p><script>z</script>'})
    )
    assert rendered == f'<p>ok <a rel="{LINK_REL}">l</a></p>'


@pytest.mark.parametrize(
    ("markup", "text"),
    [
        ("<p>Fin.</p><p>Début</p>", "Fin.\nDébut"),
        ("<ul><li>Un</li><li>Deux</li></ul>", "Un\nDeux"),
        ("Ligne<br>suivante<br/>et <strong>gras</strong> &amp; co", "Ligne\nsuivante\net gras & co"),
        ("Texte sans balise", "Texte sans balise"),
        ("", ""),
    ],
)
def test_plain_text_keeps_blocks_apart(markup, text):
    from helice.core.sanitize import plain_text

    assert plain_text(markup) == text
