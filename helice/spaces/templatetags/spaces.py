"""Template helpers of the spaces part."""

from django import template

register = template.Library()


@register.simple_tag
def availability_of(space):
    """The space's availability state (available, full, stale, unknown), computed
    once for the template: the same rule as the filter and the API."""
    return space.availability_state()


@register.filter
def km(value):
    """A distance in kilometres with one decimal, in the active language's format."""
    from django.utils.formats import number_format

    if value is None:
        return ""
    rounded = round(value, 1)
    return number_format(rounded, 0 if rounded == int(rounded) else 1, use_l10n=True)
