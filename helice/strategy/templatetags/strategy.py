from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


def _label(status: str) -> str:
    from helice.strategy.status import labels

    return labels().get(status, status)


@register.simple_tag
def status_badge(status, labels=None):
    """A status in colour and in words (never colour alone)."""
    label = (labels or {}).get(status) or _label(status)
    return format_html('<span class="kpi-status kpi-{}">{}</span>', status, label)


@register.filter
def status_text(status: str) -> str:
    return _label(status) if status else ""


@register.simple_tag
def value_text(value: dict) -> str:
    """One of the plan's values ({"fr": …, "en": …}) in the page's language."""
    if (get_language() or "fr").startswith("en") and value.get("en"):
        return value["en"]
    return value.get("fr") or value.get("en") or _("(no text)")


@register.simple_tag
def status_text_short(status, labels=None):
    return (labels or {}).get(status) or _label(status)


@register.simple_tag
def map_arrow(layout, link):
    """An arrow from the cause's box to the effect's, edge to edge."""
    boxes = layout["boxes"]
    cause, effect = boxes.get(link.cause_id), boxes.get(link.effect_id)
    if not cause or not effect:
        return ""
    w, h = layout["box_w"], layout["box_h"]
    x1, y1 = cause["x"] + w / 2, cause["y"] + h / 2
    x2, y2 = effect["x"] + w / 2, effect["y"] + h / 2
    if cause["x"] != effect["x"]:
        x1 += w / 2 if x2 > x1 else -w / 2
        x2 -= w / 2 if x2 > x1 else -w / 2
    else:
        y1 += h / 2 if y2 > y1 else -h / 2
        y2 -= h / 2 if y2 > y1 else -h / 2
    return format_html(
        '<line x1="{}" y1="{}" x2="{}" y2="{}" class="map-link map-{}" marker-end="url(#arrow)"/>',
        f"{x1:.0f}",
        f"{y1:.0f}",
        f"{x2:.0f}",
        f"{y2:.0f}",
        link.direction,
    )
