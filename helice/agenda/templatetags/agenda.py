"""Dates of events as people read them, in the zone of the place."""

import datetime
import hashlib

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.formats import date_format, time_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

register = template.Library()


def _day(value: datetime.date) -> str:
    return date_format(value, "DATE_FORMAT")


def slot_text(slot) -> str:
    """One time slot in words: "12 March 2027, 09:00 – 17:00", with the zone
    named when it is not the territory's."""
    first, last = slot.first_day, slot.last_day
    if slot.all_day:
        text = _day(first) if first == last else _("%(first)s to %(last)s") % {"first": _day(first), "last": _day(last)}
    else:
        start = slot.local_start
        text = f"{_day(first)}, {time_format(start, 'TIME_FORMAT')}"
        if slot.end is not None:
            end = slot.local_end
            if end.date() == start.date():
                text += f" – {time_format(end, 'TIME_FORMAT')}"
            else:
                text += f" – {_day(end.date())}, {time_format(end, 'TIME_FORMAT')}"
        if slot.time_zone != settings.TIME_ZONE:
            text += " " + _("(local time, %(zone)s)") % {"zone": slot.time_zone.replace("_", " ")}
    return text


@register.simple_tag
def slot_dates(slot):
    """The slot in words, in a <time> element carrying its start."""
    value = slot.first_day.isoformat() if slot.all_day else slot.local_start.isoformat()
    return format_html('<time datetime="{}">{}</time>', value, slot_text(slot))


@register.simple_tag
def event_dates(event, limit=3):
    """The event's slots (at most ``limit``, then "and N other dates"), or
    "Dates to be confirmed"."""
    slots = list(event.time_slots.all())
    if not slots:
        return format_html('<span class="status-label">{}</span>', _("Dates to be confirmed"))
    shown = format_html_join(
        "; ",
        '<time datetime="{}">{}</time>',
        ((s.first_day.isoformat() if s.all_day else s.local_start.isoformat(), slot_text(s)) for s in slots[:limit]),
    )
    rest = len(slots) - limit
    if rest > 0:
        more = ngettext("and %(count)d other date", "and %(count)d other dates", rest) % {"count": rest}
        return format_html("{} {}", shown, more)
    return shown


def _organiser_options(choices) -> str:
    """The select's options, none selected: the same for every page of one
    data version and language, so written once and cached (a thousand
    organisers cost a few milliseconds per page to escape), keyed by
    the choices themselves."""
    digest = hashlib.blake2b(repr(choices).encode(), digest_size=16).hexdigest()
    key = f"agenda:organiser-options:{get_language()}:{digest}"
    options = cache.get(key)
    if options is None:
        options = format_html('<option value="">{}</option>', _("All organisers")) + "".join(
            format_html('<option value="{}">{}</option>', slug, name) for slug, name in choices
        )
        cache.set(key, str(options), 3600)
    return options


@register.simple_tag
def organiser_filter(choices, selected):
    """The organiser filter: one select of the organisers with upcoming events
    (written in Python: there may be a thousand), then a checked box for each
    other organiser the query names (``organiser=a&organiser=b``, or an
    organiser whose events are over), so that old links keep their filter."""
    names = dict(choices)
    wanted = [slug for slug in selected if slug]
    first = next((slug for slug in wanted if slug in names), "")
    options = _organiser_options(choices)
    if first:  # mark the chosen one in the shared options
        plain = format_html('<option value="{}">', first)
        options = options.replace(plain, plain[:-1] + " selected>", 1)
    select = format_html(
        '<div class="field"><label for="id_organiser">{}</label>'
        '<select id="id_organiser" name="organiser">{}</select></div>',
        _("Organised by"),
        mark_safe(options),  # noqa: S308 — each option is escaped by format_html
    )
    others = [slug for slug in dict.fromkeys(wanted) if slug != first]
    boxes = format_html_join(
        "",
        '<li><input type="checkbox" id="organiser-{0}" name="organiser" value="{0}" checked>'
        '<label for="organiser-{0}">{1}</label></li>',
        ((slug, names.get(slug, slug)) for slug in others),
    )
    return format_html("{}{}", select, format_html("<ul>{}</ul>", boxes) if others else "")


@register.simple_tag
def event_cards(events):
    """The events as cards (``<li class="org-card event-card">``), written in
    Python: twenty cards through the template engine (an include, a tag and
    four labels each) were a third of an uncached list page. Every value is
    escaped by ``format_html``."""
    free, organised_by = _("Free"), _("Organised by")
    cards = []
    for event in events:
        status = event.event_status
        meta = [event.kind_label]
        place = event.place_label
        if place:
            meta.append(place)
        if event.attendance != "on_site":
            meta.append(event.attendance_label)
        if event.is_free:
            meta.append(free)
        organisers = [o.name for o in event.organisers.all()]
        cards.append(
            format_html(
                '<li class="org-card event-card{cancelled}"><h3><a href="{url}">{title}</a></h3>'
                '<p class="meta">{status}{dates}</p><p class="meta">{meta}</p>{organisers}{summary}</li>',
                cancelled=" event-cancelled" if event.is_cancelled else "",
                url=event.get_absolute_url(),
                title=event.title,
                status=format_html('<span class="status-label">{}</span> · ', event.event_status_label)
                if status != "scheduled"
                else "",
                dates=event_dates(event),
                meta=" · ".join(meta),
                organisers=format_html('<p class="meta">{} {}</p>', organised_by, ", ".join(organisers))
                if organisers
                else "",
                summary=format_html("<p>{}</p>", event.summary) if event.summary else "",
            )
        )
    return mark_safe("".join(cards))  # noqa: S308 — each card built by format_html
