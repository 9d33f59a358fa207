"""The forms of the agenda's partner space: an event with its time slots (a
formset), and a calendar feed. Nothing is saved here: an event's form gives the
state of a revision (helice.moderation, see services_partner)."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from helice.core.models import Commune, Sector
from helice.core.sanitize import clean_rich_input
from helice.core.uploads import SafeImageField
from helice.directory.models import PublicationStatus
from helice.spaces.models import Space

from .models import HOME_COUNTRY, PARTNER_EDITABLE_FIELDS, Event, EventKind, known_time_zones
from .revisions import TIME_SLOTS, slot_from_state, slot_state
from .timezones import WallClockError, from_wall_clock, to_wall_clock

RICH_TEXT_HELP = _(
    "Plain text; separate paragraphs with a blank line. Allowed HTML tags: strong, em, lists, "
    "level 3 and 4 headings, quotations and links (http, https and mailto only). Anything else is removed."
)
MAX_SLOTS = 120  # more than an imported recurring event may have (ical_in.MAX_OCCURRENCES)
# The zones offered first; any IANA zone name is accepted.
COMMON_ZONES = ["Europe/Paris", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]


def zone_choices() -> list[tuple[str, str]]:
    others = sorted(z for z in known_time_zones() if z not in COMMON_ZONES and "/" in z)
    return [(z, z) for z in COMMON_ZONES + others]


class WallClockField(forms.DateTimeField):
    """A date and time read as typed, in no time zone: the slot's zone is
    applied afterwards (an event in Tokyo is typed in Tokyo's time)."""

    input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d"]

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.datetime):
            return value.replace(tzinfo=None)
        for fmt in self.input_formats:
            try:
                return datetime.datetime.strptime(str(value).strip(), fmt)
            except ValueError:
                continue
        raise forms.ValidationError(_("Enter a date and time, for example 2027-03-14 09:30."), code="invalid")


class TimeSlotForm(forms.Form):
    start = WallClockField(label=_("Start"), help_text=_("In the time zone of the place."))
    end = WallClockField(label=_("End"), required=False, help_text=_("For an all-day slot, the last day."))
    all_day = forms.BooleanField(label=_("All day"), required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=zone_choices, initial="Europe/Paris")

    def has_changed(self):
        """A row is given when a start or an end is typed (the zone alone is no date)."""
        if not self.is_bound:
            return super().has_changed()
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in ("start", "end"))

    def clean(self):
        cleaned = super().clean()
        start, end, zone = cleaned.get("start"), cleaned.get("end"), cleaned.get("time_zone")
        if start is None or not zone:
            return cleaned
        try:
            cleaned["instants"] = from_wall_clock(start, end, zone, all_day=bool(cleaned.get("all_day")))
        except WallClockError as error:
            self.add_error(error.field, error.message)
        return cleaned

    def state(self) -> dict:
        start, end = self.cleaned_data["instants"]
        return slot_state(
            start=start,
            end=end,
            all_day=bool(self.cleaned_data.get("all_day")),
            time_zone=self.cleaned_data["time_zone"],
        )


class BaseTimeSlotFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        if not kept:
            raise forms.ValidationError(_("Give at least one date."), code="no_slot")
        states = [f.state() for f in kept]
        if len({(s["start"], s["end"]) for s in states}) != len(states):
            raise forms.ValidationError(_("The same dates are given twice."), code="duplicate")

    def states(self) -> list[dict]:
        kept = [f for f in self.forms if f.has_changed() and not self._should_delete_form(f)]
        return sorted((f.state() for f in kept), key=lambda s: (s["start"], s["end"] or "", s["time_zone"]))


TimeSlotFormSet = forms.formset_factory(
    TimeSlotForm,
    formset=BaseTimeSlotFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_SLOTS,
    validate_max=True,
    absolute_max=MAX_SLOTS,
)


def slot_initial(states: list[dict]) -> list[dict]:
    """The formset's initial rows from a revision's slots (typed in their zone)."""
    rows = []
    for state in states or []:
        slot = slot_from_state(state)
        start, end = to_wall_clock(slot)
        rows.append({"start": start, "end": end, "all_day": slot.all_day, "time_zone": slot.time_zone})
    return rows


class EventPartnerForm(forms.ModelForm):
    """An event as its organisers' members propose or edit it (``base``: the
    state it starts from, a revision's data; empty for a new event)."""

    sectors = forms.ModelMultipleChoiceField(
        label=_("Sectors"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
        help_text=_("Tick none when the event concerns every sector."),
    )
    commune = forms.ModelChoiceField(
        label=_("Commune"),
        queryset=Commune.objects.none(),
        required=False,
        to_field_name="insee_code",
        help_text=_("For an event in the territory."),
    )
    # A plain select (works without JavaScript): the published spaces, and the
    # event's own space even if it was unpublished since.
    space = forms.ModelChoiceField(
        label=_("Space"),
        queryset=None,
        required=False,
        to_field_name="slug",
        empty_label=_("None of the territory's spaces"),
        help_text=_(
            "When it takes place in one of the territory's spaces. Leave the address and the commune "
            "empty: the space's are shown."
        ),
    )
    online_url = forms.URLField(label=_("Online address"), required=False, max_length=500, assume_scheme="https")
    registration_url = forms.URLField(
        label=_("Registration link"), required=False, max_length=500, assume_scheme="https"
    )
    website = forms.URLField(label=_("Website"), required=False, max_length=300, assume_scheme="https")
    is_free = forms.NullBooleanField(
        label=_("Free"),
        required=False,
        widget=forms.Select(choices=[("unknown", _("Not said")), ("true", _("Yes")), ("false", _("No"))]),
    )
    image_upload = SafeImageField(
        label=_("Image"), required=False, help_text=_("JPEG, PNG or WebP. It is re-encoded without its metadata.")
    )
    remove_image = forms.BooleanField(label=_("Remove the current image"), required=False)
    comment = forms.CharField(
        label=_("Note for the moderators (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Event
        # The image has its own upload field.
        fields = [name for name in PARTNER_EDITABLE_FIELDS if name != "image"]
        widgets = {
            "description_fr": forms.Textarea(attrs={"rows": 6}),
            "description_en": forms.Textarea(attrs={"rows": 6}),
            "accessibility_fr": forms.Textarea(attrs={"rows": 3}),
            "accessibility_en": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"description_fr": RICH_TEXT_HELP, "description_en": RICH_TEXT_HELP}

    def __init__(self, *args, event: Event | None = None, base: dict | None = None, **kwargs):
        self.event, self.base = event, dict(base or {})
        super().__init__(*args, instance=Event(), **kwargs)
        own_sectors = Q(events=event) if event is not None else Q(pk__in=[])
        self.fields["sectors"].queryset = Sector.objects.filter(Q(is_active=True) | own_sectors).distinct()
        own_commune = Q(events=event) if event is not None else Q(pk__in=[])
        self.fields["commune"].queryset = Commune.objects.filter(Q(is_active=True) | own_commune).distinct()
        own_space = Q(events=event) if event is not None else Q(pk__in=[])
        self.fields["space"].queryset = (
            Space.objects.filter(Q(status=PublicationStatus.PUBLISHED) | own_space)
            .distinct()
            .order_by("name", "id")
            .only("id", "slug", "name", "name_en")
        )
        self.fields["country"].initial = HOME_COUNTRY

    def clean_description_fr(self):
        return clean_rich_input(self.cleaned_data.get("description_fr", ""))

    def clean_description_en(self):
        return clean_rich_input(self.cleaned_data.get("description_en", ""))

    def _post_clean(self):
        # The model's rules are checked on the whole state (services_partner._validate).
        pass

    def proposed_data(self, *, slots: list[dict], stored_image: str | None = None) -> dict:
        data = dict(self.base)
        for name in self.Meta.fields:
            value = self.cleaned_data.get(name)
            if name == "sectors":
                data[name] = sorted(s.slug for s in value or [])
            elif name == "commune":
                data[name] = value.insee_code if value else None
            elif name == "space":
                data[name] = value.slug if value else None
            elif name == "country":
                data[name] = str(value or "")
            elif name == "is_free":
                data[name] = value
            else:
                data[name] = value if value is not None else ""
        if self.cleaned_data.get("remove_image"):
            data["image"] = ""
        if stored_image:
            data["image"] = stored_image
        data.setdefault("image", "")
        data[TIME_SLOTS] = slots
        return data

    @classmethod
    def initial_from(cls, data: dict) -> dict:
        initial = {k: v for k, v in data.items() if k in cls.Meta.fields}
        if "is_free" in initial:
            initial["is_free"] = {True: "true", False: "false"}.get(initial["is_free"], "unknown")
        return initial


class FeedForm(forms.Form):
    url = forms.URLField(
        label=_("Address of the calendar feed"),
        max_length=500,
        assume_scheme="https",
        help_text=_("The iCalendar (.ics) address your calendar software gives for sharing, http or https."),
    )
    default_kind = forms.ChoiceField(
        label=_("Kind of its events"),
        choices=[("", _("Not said")), *EventKind.choices],
        required=False,
        help_text=_("Every event imported from this feed gets this kind; you can correct it event by event."),
    )
