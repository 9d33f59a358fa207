"""The shared agenda: events of the metropolis and its partners, here and abroad.

An ``Event`` has one or more ``TimeSlot``s, each with its own time zone (an
event in Tokyo is stored with Asia/Tokyo, and shown and exported in it). An
event with no time slot is "dates to be confirmed": an edition of a recurring
``EventSeries`` whose next dates no source gives yet. The event's first start
and last end are copied on the event (``starts_at``, ``ends_at``) by
``services.event_refresh_dates`` so that lists and feeds sort and filter on
one table.

``uid`` is the event's iCalendar UID: made once, never changed, so calendars
that subscribed to a feed update the event instead of duplicating it. Events
imported from a partner's feed (``CalendarFeed``) also keep the feed's own UID
(``source_uid``), unique per feed."""

from __future__ import annotations

import datetime
import functools
import uuid
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from helice.core import search
from helice.core.models import Commune, Sector, TranslatedFieldsMixin
from helice.core.sanitize import plain_text
from helice.directory.models import Organization, PublicationStatus, choice_label

HOME_COUNTRY = "FR"


class EventKind(models.TextChoices):
    TRADE_FAIR = "trade_fair", _("Trade fair")
    FORUM = "forum", _("Forum")
    CONFERENCE = "conference", _("Conference")
    MEETUP = "meetup", _("Meetup")
    WORKSHOP = "workshop", _("Workshop")
    HACKATHON = "hackathon", _("Hackathon")
    SITE_VISIT = "site_visit", _("Site visit")
    TRAINING = "training", _("Training")
    PITCH_SESSION = "pitch_session", _("Pitch session")


class Audience(models.TextChoices):
    """Who an event is for; each audience is a boolean field of ``Event``
    (``AUDIENCE_FIELDS``), so that filters stay plain indexed columns on both
    databases."""

    PROFESSIONALS = "professionals", _("Professionals")
    GENERAL_PUBLIC = "general_public", _("General public")
    STUDENTS = "students", _("Students")
    RESEARCHERS = "researchers", _("Researchers")


AUDIENCE_FIELDS = {
    Audience.PROFESSIONALS: "for_professionals",
    Audience.GENERAL_PUBLIC: "for_general_public",
    Audience.STUDENTS: "for_students",
    Audience.RESEARCHERS: "for_researchers",
}


class Attendance(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    ONLINE = "online", _("Online")
    MIXED = "mixed", _("On site and online")


class Scope(models.TextChoices):
    """Where an event takes place, as far as the sources say: the territory's
    "here" is the territory and the rest of France; abroad has its own agenda."""

    LOCAL = "local", _("In the territory")
    FRANCE = "france", _("Elsewhere in France")
    ABROAD = "abroad", _("Abroad")


HERE_SCOPES = (Scope.LOCAL, Scope.FRANCE)


class EventStatus(models.TextChoices):
    """Where the event stands (schema.org ``eventStatus``, iCalendar ``STATUS``)."""

    SCHEDULED = "scheduled", _("Scheduled")
    RESCHEDULED = "rescheduled", _("Rescheduled")
    POSTPONED = "postponed", _("Postponed")
    MOVED_ONLINE = "moved_online", _("Moved online")
    FULL = "full", _("Full")
    CANCELLED = "cancelled", _("Cancelled")


@functools.cache
def known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in known_time_zones():
        raise ValidationError(
            _("“%(value)s” is not a time zone name (for example Europe/Paris or America/New_York)."),
            code="time_zone",
            params={"value": value},
        )


def default_time_zone() -> str:
    return settings.TIME_ZONE


def new_uid() -> str:
    """A stable iCalendar UID (RFC 5545 3.8.4.7): globally unique, never reused."""
    return f"{uuid.uuid4()}@helice"


class EventSeries(TranslatedFieldsMixin, models.Model):
    """A recurring event (an annual fair, a monthly meetup): its editions are
    ``Event``s pointing to it. An edition with no time slot yet is "dates to be
    confirmed"."""

    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    organisers = models.ManyToManyField(
        Organization, blank=True, related_name="event_series", verbose_name=_("organisers")
    )
    periodicity_fr = models.CharField(
        _("periodicity (French)"), max_length=200, blank=True, help_text=_("For example: every year in spring.")
    )
    periodicity_en = models.CharField(_("periodicity (English)"), max_length=200, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name_fr", "id"]
        verbose_name = _("event series")
        verbose_name_plural = _("event series")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.translated("name")

    @property
    def periodicity(self) -> str:
        return self.translated("periodicity")

    @property
    def description(self) -> str:
        return self.translated("description")


class FeedStatus(models.TextChoices):
    NEVER = "never", _("Never fetched")
    OK = "ok", _("Imported")
    NOT_MODIFIED = "not_modified", _("Unchanged since last time")
    ERROR = "error", _("Failed")


class CalendarFeed(models.Model):
    """A partner's own iCalendar feed, imported into the agenda by a command run
    from cron (its events keep the feed's UIDs in ``Event.source_uid``)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="calendar_feeds", verbose_name=_("organisation")
    )
    url = models.URLField(_("address of the feed"), max_length=500)
    active = models.BooleanField(_("active"), default=True)
    last_fetched_at = models.DateTimeField(_("last fetched"), null=True, blank=True)
    last_status = models.CharField(
        _("last result"), max_length=20, choices=FeedStatus.choices, default=FeedStatus.NEVER
    )
    last_error = models.TextField(_("last error"), blank=True)
    etag = models.CharField(_("ETag"), max_length=300, blank=True)
    last_modified = models.CharField(_("Last-Modified"), max_length=100, blank=True)
    failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # The kind given to the feed's events (iCalendar has no such notion) and
    # what the last import did: counts and the events skipped with the reason.
    default_kind = models.CharField(
        _("kind of its events"),
        max_length=20,
        choices=EventKind.choices,
        blank=True,
        help_text=_(
            "Every event imported from this feed gets this kind (none when left empty); "
            "it can be corrected event by event."
        ),
    )
    last_report = models.JSONField(_("last import report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["organization__name", "url"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(fields=["organization", "url"], name="agenda_feed_unique_url"),
        ]

    def __str__(self):
        return f"{self.organization} · {self.url}"


# What the organisers' members may propose or change from the partner space
# (moderated, see helice.moderation); the publication status, the UID, the
# sources and the imported-feed fields stay with the metropolis's team (admin).
# Time slots are rows of their own (TimeSlot), edited beside the event.
PARTNER_EDITABLE_FIELDS = [
    "title_fr",
    "title_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "kind",
    "sectors",
    "for_professionals",
    "for_general_public",
    "for_students",
    "for_researchers",
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
    "registration_url",
    "registration_email",
    "registration_phone",
    "is_free",
    "price_fr",
    "price_en",
    "event_status",
    "status_note_fr",
    "status_note_en",
    "image",
    "image_alt_fr",
    "image_alt_en",
    "image_credits",
    "accessibility_fr",
    "accessibility_en",
    "website",
]


@dataclass(frozen=True)
class EventPlace:
    """Where an event is (``Event.place``): its own place, or its space's."""

    name: str
    address: str
    postal_code: str
    commune: Commune | None
    city: str
    country: object  # django-countries' Country ("" when no source gives it)
    abroad: bool
    latitude: float | None
    longitude: float | None
    approximate: bool  # the coordinates are only the commune's centre
    space: object | None  # the published spaces.Space the event takes place in
    from_space: bool  # the address and the position are the space's

    @property
    def locality(self) -> str:
        return self.commune.name if self.commune is not None else self.city

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def url(self) -> str:
        return self.space.get_absolute_url() if self.space is not None else ""

    @property
    def label(self) -> str:
        """In one line: venue (or space), commune or city, and the country abroad."""
        parts = [self.name, self.locality]
        if self.abroad and self.country:
            parts.append(str(self.country.name))
        return ", ".join(p for p in parts if p)

    def key(self) -> tuple:
        """Everything it shows (a cache key part)."""
        return (self.name, self.address, self.postal_code, self.locality, self.latitude, self.longitude, self.url)


class EventQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)

    def upcoming(self, now: datetime.datetime | None = None):
        """Events not over yet: the last slot ends (or, with no end, starts)
        now or later. Events with dates to be confirmed are not upcoming."""
        now = now or timezone.now()
        return self.filter(ends_at__gte=now)

    def dates_to_be_confirmed(self):
        return self.filter(starts_at__isnull=True)

    def here(self):
        return self.filter(scope__in=HERE_SCOPES)

    def abroad(self):
        return self.filter(scope=Scope.ABROAD)


class Event(TranslatedFieldsMixin, models.Model):
    """An event of the ecosystem: a fair, a forum, a meetup… in the territory,
    online or abroad."""

    uid = models.CharField(
        _("iCalendar UID"),
        max_length=255,
        unique=True,
        default=new_uid,
        editable=False,
        help_text=_("Stable identifier of the event in calendars; never changes."),
    )
    sequence = models.PositiveIntegerField(
        _("revision number"),
        default=0,
        editable=False,
        help_text=_("iCalendar SEQUENCE: raised when the dates, the place or the status change."),
    )
    title_fr = models.CharField(_("title (French)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    slug = models.SlugField(_("slug"), max_length=220, unique=True)
    summary_fr = models.CharField(_("summary (French)"), max_length=400, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=EventKind.choices,
        blank=True,
        db_index=True,
        help_text=_("Leave empty when no source says what kind of event it is."),
    )
    organisers = models.ManyToManyField(Organization, blank=True, related_name="events", verbose_name=_("organisers"))
    series = models.ForeignKey(
        EventSeries,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="editions",
        verbose_name=_("series"),
        help_text=_("The recurring event this is an edition of."),
    )
    sectors = models.ManyToManyField(
        Sector,
        blank=True,
        related_name="events",
        verbose_name=_("sectors"),
        help_text=_("Leave empty when the event concerns every sector."),
    )
    for_professionals = models.BooleanField(_("for professionals"), default=False, db_index=True)
    for_general_public = models.BooleanField(_("for the general public"), default=False, db_index=True)
    for_students = models.BooleanField(_("for students"), default=False, db_index=True)
    for_researchers = models.BooleanField(_("for researchers"), default=False, db_index=True)
    attendance = models.CharField(
        _("attendance"), max_length=10, choices=Attendance.choices, default=Attendance.ON_SITE
    )
    online_url = models.URLField(_("online address"), max_length=500, blank=True)

    # Place: one of the territory's spaces (helice.spaces), or a venue's name and
    # address, or a city abroad. ``scope`` says whether it is in the territory,
    # elsewhere in France or abroad, even when a source names no city or country
    # (a fair abroad whose country no source gives). What is shown, mapped and
    # exported is ``Event.place`` (the space's address when the event gives none).
    scope = models.CharField(
        _("where"),
        max_length=10,
        choices=Scope.choices,
        default=Scope.LOCAL,
        blank=True,
        db_index=True,
        help_text=_("Leave empty when no source says where it takes place."),
    )
    # PROTECT: an event whose place is only its space would lose its place without
    # a word if the space went (and calendars would not be told); a space with
    # events is unpublished, or its events are moved first.
    space = models.ForeignKey(
        "spaces.Space",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("space"),
        help_text=_(
            "One of the territory's spaces. With no address, commune or coordinates given here, "
            "the event is shown at the space's."
        ),
    )
    venue_name = models.CharField(_("venue"), max_length=200, blank=True)
    address = models.CharField(_("street address"), max_length=255, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("commune"),
        help_text=_("For an event in the territory."),
    )
    city = models.CharField(
        _("city"), max_length=120, blank=True, help_text=_("For an event outside the territory (a city abroad).")
    )
    country = CountryField(
        _("country"), default=HOME_COUNTRY, blank=True, db_index=True, help_text=_("Empty when no source gives it.")
    )
    latitude = models.FloatField(
        _("latitude"), null=True, blank=True, validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), null=True, blank=True, validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )

    registration_url = models.URLField(_("registration link"), max_length=500, blank=True)
    registration_email = models.EmailField(_("registration e-mail"), blank=True)
    registration_phone = models.CharField(_("registration phone"), max_length=40, blank=True)
    is_free = models.BooleanField(
        _("free"), null=True, blank=True, help_text=_("Leave unknown when no source says whether it is free.")
    )
    price_fr = models.CharField(_("price (French)"), max_length=300, blank=True)
    price_en = models.CharField(_("price (English)"), max_length=300, blank=True)
    event_status = models.CharField(
        _("event status"), max_length=20, choices=EventStatus.choices, default=EventStatus.SCHEDULED, db_index=True
    )
    status_note_fr = models.CharField(
        _("note on the status (French)"),
        max_length=300,
        blank=True,
        help_text=_("For example why it is postponed or where it moved."),
    )
    status_note_en = models.CharField(_("note on the status (English)"), max_length=300, blank=True)
    image = models.ImageField(_("image"), upload_to="agenda/events/", blank=True)
    image_alt_fr = models.CharField(_("image description (French)"), max_length=300, blank=True)
    image_alt_en = models.CharField(_("image description (English)"), max_length=300, blank=True)
    image_credits = models.CharField(_("image credits"), max_length=200, blank=True)
    accessibility_fr = models.TextField(_("accessibility (French)"), blank=True)
    accessibility_en = models.TextField(_("accessibility (English)"), blank=True)
    website = models.URLField(_("website"), max_length=300, blank=True)
    partners_present = models.ManyToManyField(
        Organization,
        blank=True,
        related_name="events_attended",
        verbose_name=_("partners present"),
        help_text=_("Organisations of the territory taking part (a stand at a fair abroad…)."),
    )

    status = models.CharField(
        _("publication status"),
        max_length=20,
        choices=PublicationStatus.choices,
        default=PublicationStatus.DRAFT,
        db_index=True,
    )
    # A draft proposed by a partner from its space: the first change a moderator
    # approves (or that a trusted partner saves) publishes it (as guichet.Service).
    publish_on_approval = models.BooleanField(
        _("publish on approval"),
        default=False,
        help_text=_(
            "A new event proposed by a partner: it becomes public when a moderator approves a change. "
            "Untick to keep it a draft."
        ),
    )
    sources = models.TextField(_("sources"), blank=True, help_text=_("Where the facts of this record come from."))
    source_feed = models.ForeignKey(
        CalendarFeed,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("imported from"),
    )
    source_uid = models.CharField(_("UID in the imported feed"), max_length=500, blank=True)

    # Derived: the first start and the last end of the time slots
    # (services.event_refresh_dates); both empty when the dates are to be confirmed.
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True, editable=False, db_index=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True, editable=False, db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    search_document = models.TextField(editable=False, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["status", "ends_at", "starts_at"], name="agenda_event_upcoming"),
            # The soonest upcoming events (lists, feeds): read in start order, the
            # past ones skipped on the index's end column without visiting the rows.
            models.Index(fields=["status", "starts_at", "ends_at"], name="agenda_event_soonest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="agenda_event_coordinates_both_or_none",
            ),
            models.UniqueConstraint(
                fields=["source_feed", "source_uid"],
                condition=models.Q(source_feed__isnull=False),
                name="agenda_event_unique_source_uid",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("agenda:detail", kwargs={"slug": self.slug})

    @property
    def title(self) -> str:
        return self.translated("title")

    @property
    def summary(self) -> str:
        return self.translated("summary")

    @property
    def description(self) -> str:
        return self.translated("description")

    @property
    def description_text(self) -> str:
        return plain_text(self.description)

    @property
    def price(self) -> str:
        return self.translated("price")

    @property
    def status_note(self) -> str:
        return self.translated("status_note")

    @property
    def image_alt(self) -> str:
        return self.translated("image_alt")

    @property
    def accessibility(self) -> str:
        return self.translated("accessibility")

    @property
    def kind_label(self) -> str:
        return choice_label(EventKind, self.kind) if self.kind else str(_("Event"))

    @property
    def event_status_label(self) -> str:
        return choice_label(EventStatus, self.event_status)

    @property
    def attendance_label(self) -> str:
        return choice_label(Attendance, self.attendance)

    @property
    def audiences(self) -> list[str]:
        return [code for code, name in AUDIENCE_FIELDS.items() if getattr(self, name)]

    @property
    def audience_labels(self) -> list[str]:
        return [choice_label(Audience, code) for code in self.audiences]

    @property
    def is_abroad(self) -> bool:
        return self.scope == Scope.ABROAD

    @property
    def scope_label(self) -> str:
        return choice_label(Scope, self.scope) if self.scope else ""

    @property
    def is_cancelled(self) -> bool:
        return self.event_status == EventStatus.CANCELLED

    @property
    def dates_to_be_confirmed(self) -> bool:
        return self.starts_at is None

    @property
    def has_coordinates(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def is_online(self) -> bool:
        return self.attendance in (Attendance.ONLINE, Attendance.MIXED) or self.event_status == EventStatus.MOVED_ONLINE

    @property
    def is_on_site(self) -> bool:
        return self.attendance in (Attendance.ON_SITE, Attendance.MIXED) and (
            self.event_status != EventStatus.MOVED_ONLINE
        )

    @property
    def public_space(self):
        """The event's space when it is published (a draft space is not shown)."""
        space = self.space if self.space_id else None
        return space if space is not None and space.status == PublicationStatus.PUBLISHED else None

    @property
    def place(self) -> EventPlace:
        """Where the event is, as every page, feed, export and the API show it.
        With a published space and no address, commune nor coordinates of its
        own, the event is at the space's address and position (read from the
        space, never copied); its venue's name defaults to the space's name."""
        space = self.public_space
        own = bool(self.address or self.commune_id or self.has_coordinates)
        source = self if space is None or own else space
        precision = getattr(source, "location_precision", "")
        return EventPlace(
            name=self.venue_name or (space.display_name if space else ""),
            address=source.address,
            postal_code=source.postal_code,
            commune=source.commune if source.commune_id else None,
            city="" if source is space else self.city,
            country=self.country,
            abroad=self.is_abroad,
            latitude=source.latitude,
            longitude=source.longitude,
            approximate=precision == "commune",
            space=space,
            from_space=source is space,
        )

    @property
    def place_label(self) -> str:
        """Where, in one line: venue, commune or city, and the country abroad."""
        return self.place.label

    def clean(self):
        super().clean()
        errors = {}
        if self.commune_id and self.scope != Scope.LOCAL:
            errors["commune"] = _(
                "A commune of the territory is for events in the territory; elsewhere, give the city."
            )
        if self.scope == Scope.ABROAD and self.country == HOME_COUNTRY:
            errors["country"] = _("An event abroad is in another country than France (or leave the country empty).")
        if self.scope in HERE_SCOPES and self.country and self.country != HOME_COUNTRY:
            errors["scope"] = _("An event in another country than France is abroad.")
        if self.space_id and self.scope != Scope.LOCAL:
            errors["space"] = _("A space of the territory is for events in the territory: choose “In the territory”.")
        if self.attendance == Attendance.ONLINE and (self.address or self.venue_name or self.space_id):
            errors["attendance"] = _(
                "An event only online has no venue, address or space; choose “On site and online”."
            )
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both the latitude and the longitude, or neither.")
        if errors:
            raise ValidationError(errors)

    def build_search_document(self) -> str:
        parts = [
            self.title_fr,
            self.title_en,
            self.summary_fr,
            self.summary_en,
            plain_text(self.description_fr),
            plain_text(self.description_en),
            self.venue_name,
            self.city,
        ]
        if self.commune_id:
            parts.append(self.commune.name)
        if self.series_id:
            parts += [self.series.name_fr, self.series.name_en]
        if self.pk:
            for organisation in self.organisers.all():
                parts += [organisation.name, organisation.acronym]
            for sector in self.sectors.all():
                parts += [sector.name_fr, sector.name_en]
        for language, _name in settings.LANGUAGES:  # labels in every language
            with translation.override(language):
                if self.kind in EventKind.values:
                    parts.append(str(EventKind(self.kind).label))
                if self.is_abroad and self.country:
                    parts.append(str(self.country.name))
        return search.build_document(*parts)


class TimeSlot(models.Model):
    """One period of an event, in the time zone of its place.

    ``start`` and ``end`` are instants (stored in UTC); ``time_zone`` says in
    which zone they are shown and exported. An all-day slot starts at midnight
    of its first day and ends at midnight after its last day, in its zone (the
    iCalendar convention: the end is exclusive). With no ``end`` only the start
    is known."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="time_slots", verbose_name=_("event"))
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"), null=True, blank=True)
    all_day = models.BooleanField(_("all day"), default=False)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("The zone of the place, for example Europe/Paris or America/New_York."),
    )

    class Meta:
        ordering = ["start", "id"]
        verbose_name = _("time slot")
        verbose_name_plural = _("time slots")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__isnull=True) | models.Q(end__gte=models.F("start")),
                name="agenda_timeslot_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.local_start:%Y-%m-%d %H:%M} {self.time_zone}"

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        try:
            return zoneinfo.ZoneInfo(self.time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return zoneinfo.ZoneInfo(settings.TIME_ZONE)

    @property
    def local_start(self) -> datetime.datetime:
        return self.start.astimezone(self.zone)

    @property
    def local_end(self) -> datetime.datetime | None:
        return self.end.astimezone(self.zone) if self.end else None

    @property
    def first_day(self) -> datetime.date:
        return self.local_start.date()

    @property
    def last_day(self) -> datetime.date:
        """The last day the slot covers (inclusive), in its zone."""
        if self.end is None:
            return self.first_day
        end = self.local_end
        if self.all_day or (end.time() == datetime.time(0) and end.date() > self.first_day):
            return end.date() - datetime.timedelta(days=1)
        return end.date()

    @property
    def ends_at(self) -> datetime.datetime:
        return self.end or self.start

    def clean(self):
        super().clean()
        errors = {}
        if self.time_zone not in known_time_zones():
            return  # the field's validator reports it
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("The end is before the start.")
        if self.all_day and self.start:
            for name in ("start", "end"):
                value = getattr(self, name)
                if value is not None and value.astimezone(self.zone).time() != datetime.time(0):
                    errors[name] = _("An all-day slot starts and ends at midnight in its time zone.")
            if self.end is not None and self.end <= self.start:
                errors["end"] = _("An all-day slot ends at midnight after its last day.")
        if errors:
            raise ValidationError(errors)
