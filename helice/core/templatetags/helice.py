from django import template
from django.utils.safestring import mark_safe

from helice.core.jsonld import dumps_for_script
from helice.core.sanitize import rich_text

register = template.Library()


@register.filter
def jsonld(data):
    """Render a dict as an inline JSON-LD script body, safely escaped."""
    return mark_safe(dumps_for_script(data))  # noqa: S308 - <, > and & are escaped as \u00XX


@register.filter
def rich(value):
    """Render a rich-text field: allowed markup only (``helice.core.sanitize``),
    plain text turned into paragraphs. The one way user text becomes HTML."""
    return rich_text(value)


@register.simple_tag(takes_context=True)
def url_with(context, **changes):
    """The current query string with some parameters replaced (None removes)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.simple_tag(takes_context=True)
def url_toggle(context, name, value):
    """The current query string with one facet value added or removed; resets the page."""
    params = context["request"].GET.copy()
    params.pop("page", None)
    values = params.getlist(name)
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    params.setlist(name, values)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
