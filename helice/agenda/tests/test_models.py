"""The agenda's data rules: time zones, local times across daylight saving
changes, derived dates and iCalendar sequence, imported UIDs, moderation."""

import datetime
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from helice.agenda import services
from helice.agenda.models import Event, EventStatus, TimeSlot
from helice.agenda.timezones import WallClockError, from_wall_clock, to_wall_clock
from helice.moderation import registry

from .factories import CalendarFeedFactory, EventFactory, EventSeriesFactory, in_days

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
UTC = datetime.UTC


def test_time_zone_is_validated_against_zoneinfo():
    event = EventFactory(slots=[])
    slot = TimeSlot(event=event, start=in_days(3), time_zone="Europe/Grenoble")
    with pytest.raises(ValidationError) as error:
        slot.full_clean()
    assert "time_zone" in error.value.message_dict
    TimeSlot(event=event, start=in_days(3), time_zone="Asia/Tokyo").full_clean()


def test_end_before_start_is_refused_by_clean_and_database():
    event = EventFactory(slots=[])
    slot = TimeSlot(event=event, start=in_days(3, 10), end=in_days(3, 9))
    with pytest.raises(ValidationError):
        slot.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        slot.save()


def test_all_day_slot_runs_from_midnight_to_midnight_in_its_zone():
    start, end = from_wall_clock(datetime.date(2027, 3, 27), datetime.date(2027, 3, 28), "Europe/Paris", all_day=True)
    assert start == datetime.datetime(2027, 3, 26, 23, 0, tzinfo=UTC)
    # The clocks move forward on the night of 27 to 28 March 2027: the end is at UTC+2.
    assert end == datetime.datetime(2027, 3, 28, 22, 0, tzinfo=UTC)
    event = EventFactory(slots=[])
    slot = TimeSlot.objects.create(event=event, start=start, end=end, all_day=True, time_zone="Europe/Paris")
    slot.full_clean()
    assert (slot.first_day, slot.last_day) == (datetime.date(2027, 3, 27), datetime.date(2027, 3, 28))
    assert to_wall_clock(slot) == (datetime.datetime(2027, 3, 27), datetime.datetime(2027, 3, 28))
    bad = TimeSlot(event=event, start=start + datetime.timedelta(hours=2), end=end, all_day=True)
    with pytest.raises(ValidationError):
        bad.full_clean()


def test_a_local_time_skipped_by_the_clocks_is_refused_and_a_repeated_one_is_the_first():
    with pytest.raises(WallClockError) as error:
        from_wall_clock(datetime.datetime(2027, 3, 28, 2, 30), None, "Europe/Paris")
    assert error.value.field == "start"
    first, _end = from_wall_clock(datetime.datetime(2027, 10, 31, 2, 30), None, "Europe/Paris")
    assert first == datetime.datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still UTC+2
    tokyo, _end = from_wall_clock(datetime.datetime(2027, 1, 7, 10, 0), None, "Asia/Tokyo")
    assert tokyo == datetime.datetime(2027, 1, 7, 1, 0, tzinfo=UTC)


def test_event_dates_follow_its_time_slots_and_the_sequence_goes_up():
    event = EventFactory(slots=[])
    assert event.dates_to_be_confirmed and event.sequence == 0
    slot = TimeSlot.objects.create(event=event, start=in_days(4, 9), end=in_days(4, 12))
    event.refresh_from_db()
    assert (event.starts_at, event.ends_at) == (in_days(4, 9), in_days(4, 12))
    assert event.sequence == 0  # first dates: nothing was published with others
    TimeSlot.objects.create(event=event, start=in_days(6, 9), end=None)
    event.refresh_from_db()
    assert event.ends_at == in_days(6, 9) and event.sequence == 1
    slot.start = in_days(3, 9)
    slot.save()
    event.refresh_from_db()
    assert event.starts_at == in_days(3, 9) and event.sequence == 2
    event.time_slots.all().delete()
    event.refresh_from_db()
    assert event.starts_at is None and event.ends_at is None


def test_significant_changes_raise_the_sequence_others_do_not():
    event = EventFactory()
    before = services.significant_values(event)
    event.summary_fr = "Autre résumé"
    event.save()
    services.event_note_change(event=event, before=before)
    assert Event.objects.get(pk=event.pk).sequence == 0
    before = services.significant_values(event)
    event.event_status = EventStatus.CANCELLED
    event.save()
    services.event_note_change(event=event, before=before)
    assert Event.objects.get(pk=event.pk).sequence == 1


def test_uid_is_made_once_and_unique():
    one, two = EventFactory(), EventFactory()
    assert one.uid != two.uid and one.uid.endswith("@helice")
    uid = one.uid
    one.title_fr = "Nouveau titre"
    one.save()
    one.refresh_from_db()
    assert one.uid == uid


def test_imported_uid_is_unique_per_feed_only():
    feed, other = CalendarFeedFactory(), CalendarFeedFactory()
    EventFactory(source_feed=feed, source_uid="abc@partner")
    EventFactory(source_feed=other, source_uid="abc@partner")
    EventFactory(source_uid="")
    EventFactory(source_uid="")
    with pytest.raises(IntegrityError), transaction.atomic():
        EventFactory(source_feed=feed, source_uid="abc@partner")


def test_place_rules():
    abroad = EventFactory.build(scope="abroad", country="JP", city="Tokyo", commune=None)
    abroad.full_clean(exclude=["slug", "uid"])
    assert abroad.is_abroad
    unknown_country = EventFactory.build(scope="abroad", country="", city="")
    unknown_country.full_clean(exclude=["slug", "uid"])
    for wrong, field in (
        ({"scope": "abroad", "country": "FR"}, "country"),
        ({"scope": "local", "country": "JP"}, "scope"),
    ):
        with pytest.raises(ValidationError) as error:
            EventFactory.build(**wrong).full_clean(exclude=["slug", "uid"])
        assert field in error.value.message_dict
    event = EventFactory(abroad=True)
    assert event.place_label == "New York, États-Unis d'Amérique"
    online = Event(title_fr="En ligne", slug="en-ligne", kind="meetup", attendance="online", venue_name="Salle A")
    with pytest.raises(ValidationError) as error:
        online.full_clean()
    assert "attendance" in error.value.message_dict


def test_upcoming_and_to_be_confirmed_querysets():
    past = EventFactory(slots=[(in_days(-3, 9), in_days(-3, 10))])
    running = EventFactory(slots=[(in_days(-1, 9), in_days(1, 18))])
    future = EventFactory()
    tbc = EventFactory(series=EventSeriesFactory(), slots=[])
    assert set(Event.objects.upcoming()) == {running, future}
    assert list(Event.objects.dates_to_be_confirmed()) == [tbc]
    assert past not in Event.objects.upcoming()


def test_event_is_registered_for_moderation_and_serialises_to_json():
    import json

    event = EventFactory(scope="abroad", country="JP", city="Tokyo")
    adapter = registry.adapter_for(Event)
    data = adapter.serialize(event)
    json.dumps(data)
    assert data["country"] == "JP"
    assert adapter.organization_of(event) == event.organisers.get()
