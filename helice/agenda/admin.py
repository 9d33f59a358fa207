"""Admin of the agenda: events with their time slots, series, partners' feeds."""

import datetime

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from helice.core.uploads import SafeImageField

from . import services
from .models import CalendarFeed, Event, EventSeries, TimeSlot, validate_time_zone
from .timezones import WallClockError, from_wall_clock, to_wall_clock


class WallClockField(forms.DateTimeField):
    """A date and time read as written, in no time zone: the slot's own zone is
    applied afterwards (an event in Tokyo is typed in Tokyo's time)."""

    def to_python(self, value):
        result = super().to_python(value)
        return result.replace(tzinfo=None) if result is not None else None

    def prepare_value(self, value):
        return value


class TimeSlotForm(forms.ModelForm):
    """Start and end are typed in the slot's time zone, as on the event's
    poster; for an all-day slot, the times are ignored and the end is the last
    day (inclusive)."""

    start = WallClockField(label=_("start"), help_text=_("In the slot's time zone. YYYY-MM-DD HH:MM."))
    end = WallClockField(
        label=_("end"),
        required=False,
        help_text=_("In the slot's time zone. For an all-day slot, the last day."),
    )

    class Meta:
        model = TimeSlot
        fields = ("start", "end", "all_day", "time_zone")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        slot = self.instance
        if slot.pk:
            self.initial["start"], self.initial["end"] = to_wall_clock(slot)

    def clean(self):
        cleaned = super().clean()
        zone = cleaned.get("time_zone")
        start, end = cleaned.get("start"), cleaned.get("end")
        if not zone or start is None:
            return cleaned
        try:
            validate_time_zone(zone)
            cleaned["start"], cleaned["end"] = from_wall_clock(start, end, zone, all_day=cleaned.get("all_day"))
        except WallClockError as error:
            self.add_error(error.field, error.message)
        except forms.ValidationError as error:
            self.add_error("time_zone", error)
        return cleaned

    def _post_clean(self):
        for name in ("start", "end"):
            value = self.cleaned_data.get(name)
            if isinstance(value, datetime.datetime) and value.tzinfo is None:
                self.cleaned_data.pop(name)  # not converted: an error is already reported
        super()._post_clean()


class TimeSlotInline(admin.TabularInline):
    model = TimeSlot
    form = TimeSlotForm
    extra = 1
    fields = ("start", "end", "all_day", "time_zone")


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ("title_fr", "kind", "starts_at", "scope", "country", "event_status", "status", "updated_at")
    list_filter = ("status", "event_status", "kind", "attendance", "publish_on_approval", "scope", "country", "sectors")
    list_select_related = ("commune",)
    search_fields = ("title_fr", "title_en", "slug", "uid", "organisers__name", "source_uid")
    prepopulated_fields = {"slug": ("title_fr",)}
    autocomplete_fields = ("organisers", "partners_present", "commune", "space", "series", "source_feed")
    filter_horizontal = ("sectors",)
    inlines = [TimeSlotInline]
    readonly_fields = ("uid", "sequence", "starts_at", "ends_at", "created_at", "updated_at", "search_document")
    date_hierarchy = "starts_at"
    # Pictures are checked by their content and re-encoded (core.uploads).
    formfield_overrides = {
        models.URLField: {"assume_scheme": "https"},
        models.ImageField: {"form_class": SafeImageField},
    }
    fieldsets = (
        (None, {"fields": ("title_fr", "title_en", "slug", "kind", "series", "status", "publish_on_approval")}),
        (_("Presentation"), {"fields": ("summary_fr", "summary_en", "description_fr", "description_en", "website")}),
        (_("Organisers, partners and sectors"), {"fields": ("organisers", "partners_present", "sectors")}),
        (
            _("Audience"),
            {"fields": ("for_professionals", "for_general_public", "for_students", "for_researchers")},
        ),
        (_("Status"), {"fields": ("event_status", "status_note_fr", "status_note_en")}),
        (
            _("Place"),
            {
                "fields": (
                    "attendance",
                    "online_url",
                    "scope",
                    "space",
                    "venue_name",
                    "address",
                    "postal_code",
                    "commune",
                    "city",
                    "country",
                    "latitude",
                    "longitude",
                )
            },
        ),
        (
            _("Registration and price"),
            {
                "fields": (
                    "registration_url",
                    "registration_email",
                    "registration_phone",
                    "is_free",
                    "price_fr",
                    "price_en",
                )
            },
        ),
        (
            _("Image and accessibility"),
            {
                "fields": (
                    "image",
                    "image_alt_fr",
                    "image_alt_en",
                    "image_credits",
                    "accessibility_fr",
                    "accessibility_en",
                )
            },
        ),
        (_("Sources"), {"fields": ("sources", "source_feed", "source_uid")}),
        (
            _("Derived and technical fields"),
            {
                "classes": ("collapse",),
                "fields": ("uid", "sequence", "starts_at", "ends_at", "created_at", "updated_at", "search_document"),
            },
        ),
    )

    def save_model(self, request, obj, form, change):
        before = services.significant_values(obj) if change else None
        super().save_model(request, obj, form, change)
        services.event_note_change(event=obj, before=before)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Organisers, sectors and time slots are saved only now.
        services.event_refresh_dates(event=form.instance)
        services.event_reindex(event=form.instance)


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    list_display = ("name_fr", "periodicity_fr", "updated_at")
    search_fields = ("name_fr", "name_en", "slug")
    prepopulated_fields = {"slug": ("name_fr",)}
    autocomplete_fields = ("organisers",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ("organization", "url", "active", "last_status", "last_fetched_at", "failures")
    list_filter = ("active", "last_status")
    list_select_related = ("organization",)
    search_fields = ("organization__name", "url")
    autocomplete_fields = ("organization",)
    readonly_fields = ("last_fetched_at", "last_status", "last_error", "etag", "last_modified", "failures")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
