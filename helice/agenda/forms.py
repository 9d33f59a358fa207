"""Parsing and validation of agenda queries: one form for the list page, its
CSV export, its iCalendar feed, the month view, the map, the international
agenda and the API."""

import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from helice.core.search import MAX_QUERY_LENGTH
from helice.directory.forms import FacetValuesField
from helice.spaces.models import Space

from .models import Audience, EventKind, EventStatus
from .selectors import EventFilters, Where

MULTI = ("kind", "sector", "audience", "organiser", "status", "country")
SINGLE = ("q", "where", "space", "free", "du", "au")
FIRST_YEAR, LAST_YEAR = 2000, 2100


class EventFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Words"),
        required=False,
        max_length=MAX_QUERY_LENGTH,
        strip=True,
        error_messages={"max_length": _("The search text is limited to %(limit_value)d characters.")},
    )
    kind = forms.MultipleChoiceField(
        label=_("Kind of event"), required=False, choices=EventKind.choices, widget=forms.CheckboxSelectMultiple
    )
    audience = forms.MultipleChoiceField(
        label=_("For"), required=False, choices=Audience.choices, widget=forms.CheckboxSelectMultiple
    )
    status = forms.MultipleChoiceField(
        label=_("Status"), required=False, choices=EventStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    sector = FacetValuesField(required=False)
    organiser = FacetValuesField(required=False)
    country = FacetValuesField(required=False)
    where = forms.ChoiceField(
        label=_("Where"),
        required=False,
        choices=[("", _("Here and abroad")), (Where.HERE, _("In France")), (Where.ABROAD, _("Abroad"))],
    )
    space = forms.SlugField(label=_("Space"), required=False, max_length=220)
    free = forms.BooleanField(label=_("Free events only"), required=False)
    du = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    au = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, **kwargs):
        if data is not None and hasattr(data, "getlist"):
            plain = {name: data.get(name, "") for name in SINGLE}
            plain.update({name: data.getlist(name) for name in MULTI})
            data = plain
        super().__init__(data, **kwargs)
        for name, message in (
            ("kind", _("“%(value)s” is not a kind of event.")),
            ("audience", _("“%(value)s” is not an audience.")),
            ("status", _("“%(value)s” is not an event status.")),
        ):
            self.fields[name].error_messages["invalid_choice"] = message
        self.fields["where"].error_messages["invalid_choice"] = _("“where” is “here”, “abroad” or empty.")
        for name in ("du", "au"):
            self.fields[name].error_messages["invalid"] = _("Dates are written YYYY-MM-DD.")
        for code in ("invalid", "max_length"):
            self.fields["space"].error_messages[code] = _("“space” is the last part of a space's address.")

    space_object = None  # the published space of ``space``, once valid

    def clean_space(self):
        slug = self.cleaned_data.get("space") or ""
        if not slug:
            return ""
        self.space_object = Space.objects.published().filter(slug=slug).only("id", "slug", "name", "name_en").first()
        if self.space_object is None:
            raise forms.ValidationError(
                _("“%(slug)s” is not the address of a published space."), code="unknown_space", params={"slug": slug}
            )
        return slug

    def clean(self):
        cleaned = super().clean()
        for name in ("du", "au"):
            value = cleaned.get(name)
            if value and not FIRST_YEAR <= value.year <= LAST_YEAR:
                self.add_error(
                    name, _("Dates go from %(first)d to %(last)d.") % {"first": FIRST_YEAR, "last": LAST_YEAR}
                )
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and end < start:
            self.add_error("au", _("The end date is before the start date."))
        return cleaned

    def to_filters(self) -> EventFilters:
        data = self.cleaned_data
        return EventFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or [],
            sector=data.get("sector") or [],
            audience=data.get("audience") or [],
            organiser=data.get("organiser") or [],
            status=data.get("status") or [],
            country=data.get("country") or [],
            where=data.get("where") or "",
            space=data.get("space") or "",
            free=bool(data.get("free")),
            start=data.get("du"),
            end=data.get("au"),
        )

    def error_text(self) -> str:
        return " ".join(str(e) for errors in self.errors.values() for e in errors)


def filters_query(filters: EventFilters) -> list[tuple[str, str]]:
    """The query parameters that give ``filters`` back (links between the list,
    the month, the map, the feed)."""
    pairs: list[tuple[str, str]] = []
    if filters.q:
        pairs.append(("q", filters.q))
    for name in MULTI:
        pairs += [(name, value) for value in getattr(filters, name)]
    if filters.where:
        pairs.append(("where", filters.where))
    if filters.space:
        pairs.append(("space", filters.space))
    if filters.free:
        pairs.append(("free", "on"))
    if filters.start:
        pairs.append(("du", filters.start.isoformat()))
    if filters.end:
        pairs.append(("au", filters.end.isoformat()))
    return pairs


def parse_month(raw: str) -> datetime.date | None:
    """``YYYY-MM`` → the month's first day, or None when it is not a month."""
    try:
        year, month = (int(part) for part in raw.split("-"))
        if not FIRST_YEAR <= year <= LAST_YEAR:
            return None
        return datetime.date(year, month, 1)
    except (ValueError, TypeError):
        return None
