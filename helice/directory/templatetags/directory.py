"""Template helpers of the directory."""

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()

_CHECKED = mark_safe(" checked")
_OPTION = (
    '<li><input class="facet-input" type="checkbox" name="{0}" value="{1}" id="f-{0}-{1}"{2}>'
    '<label for="f-{0}-{1}">{3} <span class="count">({4})</span></label></li>'
)


@register.simple_tag
def facet_options(facet, options):
    """The checkboxes of one facet. Written in Python rather than as a template
    loop: a list page shows about a hundred options and this is its hottest
    markup (see docs/benchmarks.md). Every value is escaped by format_html."""
    return format_html_join(
        "\n",
        _OPTION,
        ((facet, o.value, _CHECKED if o.selected else "", o.label, o.count) for o in options),
    )


@register.simple_tag
def facet_label(labels, facet):
    return labels.get(facet, facet)
