"""Template helpers of participation."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """``mapping[key]``, or None (for dictionaries built by the views)."""
    if not mapping:
        return None
    return mapping.get(key)
