"""Factories for the agenda: events with their time slots, series, feeds (with traits)."""

import datetime
import zoneinfo

import factory
from django.utils import timezone
from django.utils.text import slugify

from helice.agenda import services
from helice.agenda.models import CalendarFeed, Event, EventKind, EventSeries, EventStatus, TimeSlot
from helice.directory.models import PublicationStatus
from helice.directory.tests.factories import OrganizationFactory

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def in_days(days: int, hour: int = 9, zone=PARIS) -> datetime.datetime:
    """Today plus ``days`` at ``hour`` o'clock local time in ``zone``."""
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


class EventSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSeries
        skip_postgeneration_save = True

    name_fr = factory.Sequence(lambda n: f"Rencontres annuelles {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name_fr))
    periodicity_fr = "Chaque année"


class EventFactory(factory.django.DjangoModelFactory):
    """A published, scheduled conference in Grenoble's zone, with one organiser
    and one time slot in ten days (09:00–17:00 Paris time); dates and search
    fields computed.

    Pass ``slots=[(start, end), …]`` (aware datetimes) or ``slots=[]`` (dates to
    be confirmed). Traits: ``draft``, ``cancelled``, ``abroad`` (New York)."""

    class Meta:
        model = Event
        skip_postgeneration_save = True

    title_fr = factory.Sequence(lambda n: f"Événement {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title_fr)[:200])
    kind = EventKind.CONFERENCE
    status = PublicationStatus.PUBLISHED
    event_status = EventStatus.SCHEDULED
    for_professionals = True

    class Params:
        draft = factory.Trait(status=PublicationStatus.DRAFT)
        cancelled = factory.Trait(event_status=EventStatus.CANCELLED)
        abroad = factory.Trait(scope="abroad", country="US", city="New York")

    @factory.post_generation
    def organisers(self, create, extracted, **kwargs):
        if create:
            self.organisers.set(extracted if extracted is not None else [OrganizationFactory()])

    @factory.post_generation
    def sectors(self, create, extracted, **kwargs):
        if create and extracted:
            self.sectors.set(extracted)

    @factory.post_generation
    def partners_present(self, create, extracted, **kwargs):
        if create and extracted:
            self.partners_present.set(extracted)

    @factory.post_generation
    def slots(self, create, extracted, **kwargs):
        if not create:
            return
        if extracted is None:
            extracted = [(in_days(10, 9), in_days(10, 17))]
        zone = kwargs.get("time_zone") or ("America/New_York" if self.country == "US" else "Europe/Paris")
        for start, end in extracted:
            TimeSlot.objects.create(event=self, start=start, end=end, time_zone=zone)

    @factory.post_generation
    def reindex(self, create, extracted, **kwargs):
        if create:
            services.event_refresh_dates(event=self, bump_sequence=False)
            services.event_reindex(event=self)


class TimeSlotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeSlot

    event = factory.SubFactory(EventFactory, slots=[])
    start = factory.LazyFunction(lambda: in_days(5, 10))
    end = factory.LazyFunction(lambda: in_days(5, 12))
    time_zone = "Europe/Paris"


class CalendarFeedFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeed

    organization = factory.SubFactory(OrganizationFactory)
    url = factory.Sequence(lambda n: f"https://partner{n}.example.org/agenda.ics")
