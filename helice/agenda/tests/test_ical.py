"""iCalendar out, read back by a second, independent parser (vobject): UIDs,
DTSTAMP, SEQUENCE, time zones with their VTIMEZONE (Paris across a change of
time, New York, Tokyo), all-day dates, cancelled events, CRLF and folding,
the feed's filter, caching headers and ETag."""

import datetime
import zoneinfo

import pytest
import vobject
from django.urls import reverse

from helice.agenda.models import EventKind, EventStatus, TimeSlot
from helice.agenda.timezones import from_wall_clock

from .factories import EventFactory, EventSeriesFactory, in_days

pytestmark = pytest.mark.django_db
FEED = reverse("agenda:feed")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
UTC = datetime.UTC


@pytest.fixture(autouse=True)
def _fresh_vobject_zones():
    """vobject keeps the first VTIMEZONE it read for a TZID for the whole
    process; each feed must be read with its own."""
    zones = vars(vobject.icalendar)["__tzidMap"]
    zones.clear()
    yield
    zones.clear()


def parse(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    # RFC 5545 3.1: every line ends with CRLF, and no line is longer than 75 octets.
    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    return vobject.readOne(body.decode("utf-8"))


def by_summary(calendar) -> dict:
    return {str(e.summary.value): e for e in calendar.vevent_list}


def tzid(prop) -> str:
    """The TZID a date-time was written with (vobject moves it once it has read the VTIMEZONE)."""
    return prop.params.get("X-VOBJ-ORIGINAL-TZID", prop.params.get("TZID", [""]))[0]


def test_feed_round_trip_with_time_zones_all_day_and_cancelled(client):
    year = datetime.date.today().year + 1
    # Paris, across the spring change of time: 27 March 22:00 → 28 March 04:00 (clocks jump at 02:00).
    spring = EventFactory(
        title_fr="Nuit blanche",
        slots=[
            (datetime.datetime(year, 3, 27, 22, 0, tzinfo=PARIS), datetime.datetime(year, 3, 28, 4, 0, tzinfo=PARIS))
        ],
    )
    new_york = EventFactory(
        title_fr="Salon à New York",
        abroad=True,
        slots=[
            (
                datetime.datetime(year, 1, 7, 10, 0, tzinfo=NEW_YORK),
                datetime.datetime(year, 1, 7, 18, 0, tzinfo=NEW_YORK),
            )
        ],
    )
    tokyo = EventFactory(
        title_fr="FuelCell Japan",
        scope="abroad",
        country="JP",
        city="Tokyo",
        slots=[
            (datetime.datetime(year, 2, 20, 10, 0, tzinfo=TOKYO), datetime.datetime(year, 2, 20, 17, 0, tzinfo=TOKYO))
        ],
        slots__time_zone="Asia/Tokyo",
    )
    all_day = EventFactory(title_fr="Salon sur trois jours", slots=[])
    start, end = from_wall_clock(datetime.date(year, 6, 1), datetime.date(year, 6, 3), "Europe/Paris", all_day=True)
    TimeSlot.objects.create(event=all_day, start=start, end=end, all_day=True, time_zone="Europe/Paris")
    cancelled = EventFactory(title_fr="Forum annulé", event_status=EventStatus.CANCELLED)
    EventFactory(title_fr="À confirmer", series=EventSeriesFactory(), slots=[])

    calendar = parse(client.get(FEED))
    assert calendar.version.value == "2.0" and "Hélice" in calendar.prodid.value
    assert not hasattr(calendar, "method")
    zones = {tz.tzid.value for tz in calendar.vtimezone_list}
    assert zones == {"Europe/Paris", "America/New_York", "Asia/Tokyo"}
    events = by_summary(calendar)
    assert set(events) == {
        "Nuit blanche",
        "Salon à New York",
        "FuelCell Japan",
        "Salon sur trois jours",
        "Annulé : Forum annulé",
    }

    night = events["Nuit blanche"]
    assert tzid(night.dtstart) == "Europe/Paris"
    # vobject reads the local times through our VTIMEZONE: the instants are right across the change.
    assert night.dtstart.value.astimezone(UTC) == datetime.datetime(year, 3, 27, 21, 0, tzinfo=UTC)
    assert night.dtend.value.astimezone(UTC) == datetime.datetime(year, 3, 28, 2, 0, tzinfo=UTC)
    assert night.uid.value == spring.uid and night.sequence.value == "0"
    assert night.dtstamp.value.tzinfo is not None and night.dtstamp.value.utcoffset() == datetime.timedelta(0)

    ny = events["Salon à New York"]
    assert tzid(ny.dtstart) == "America/New_York"
    assert ny.dtstart.value.replace(tzinfo=None) == datetime.datetime(year, 1, 7, 10, 0)
    assert ny.dtstart.value.astimezone(UTC) == datetime.datetime(year, 1, 7, 15, 0, tzinfo=UTC)
    assert "New York" in ny.location.value and "États-Unis" in ny.location.value
    assert ny.uid.value == new_york.uid

    japan = events["FuelCell Japan"]
    assert tzid(japan.dtstart) == "Asia/Tokyo"
    assert japan.dtstart.value.astimezone(UTC) == datetime.datetime(year, 2, 20, 1, 0, tzinfo=UTC)
    assert japan.url.value.endswith(tokyo.get_absolute_url())

    fair = events["Salon sur trois jours"]
    assert fair.dtstart.value == datetime.date(year, 6, 1) and fair.dtend.value == datetime.date(year, 6, 4)
    assert fair.dtstart.params.get("VALUE") == ["DATE"] and not tzid(fair.dtstart)

    off = events["Annulé : Forum annulé"]
    assert off.status.value == "CANCELLED" and off.uid.value == cancelled.uid
    assert events["Nuit blanche"].status.value == "CONFIRMED"


def test_each_slot_is_a_vevent_and_the_first_keeps_the_event_uid(client):
    event = EventFactory(
        title_fr="Deux jours", slots=[(in_days(3, 9), in_days(3, 12)), (in_days(4, 9), in_days(4, 12))]
    )
    _first, second = event.time_slots.order_by("pk")
    calendar = parse(client.get(reverse("agenda:ics", kwargs={"slug": event.slug})))
    uids = sorted(e.uid.value for e in calendar.vevent_list)
    assert uids == sorted([event.uid, f"{second.pk}.{event.uid}"])
    assert len(set(uids)) == 2


def test_sequence_and_dtstamp_follow_changes(client):
    event = EventFactory(title_fr="Réunion")
    before = parse(client.get(reverse("agenda:ics", kwargs={"slug": event.slug}))).vevent
    slot = event.time_slots.get()
    slot.start, slot.end = in_days(12, 9), in_days(12, 10)
    slot.save()
    after = parse(client.get(reverse("agenda:ics", kwargs={"slug": event.slug}))).vevent
    assert (before.sequence.value, after.sequence.value) == ("0", "1")
    assert after.dtstamp.value >= before.dtstamp.value
    assert after.uid.value == before.uid.value


def test_long_and_unicode_text_is_folded_and_escaped(client):
    event = EventFactory(
        title_fr="Très long titre ; avec, des virgules " + "é" * 80,
        summary_fr="Ligne 1\nLigne 2 ; point-virgule, virgule \\ barre",
    )
    calendar = parse(client.get(reverse("agenda:ics", kwargs={"slug": event.slug})))
    assert calendar.vevent.summary.value == event.title_fr
    assert "Ligne 1\nLigne 2 ; point-virgule, virgule \\ barre" in calendar.vevent.description.value


def test_the_feed_carries_the_filter(client):
    EventFactory(title_fr="Hackathon", kind=EventKind.HACKATHON)
    EventFactory(title_fr="Conférence", kind=EventKind.CONFERENCE)
    EventFactory(title_fr="À l'étranger", kind=EventKind.HACKATHON, abroad=True)
    calendar = parse(client.get(f"{FEED}?kind=hackathon&where=here"))
    assert set(by_summary(calendar)) == {"Hackathon"}
    empty = client.get(f"{FEED}?kind=site_visit")
    assert empty.status_code == 200 and b"BEGIN:VEVENT" not in empty.content
    assert vobject.readOne(empty.content.decode()).name == "VCALENDAR"


def test_feed_cache_headers_etag_and_invalidation(client):
    event = EventFactory(title_fr="Premier")
    first = client.get(FEED)
    etag = first["ETag"]
    assert etag.startswith('"') and "max-age=900" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get(FEED, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    # Another filter, another ETag.
    assert client.get(f"{FEED}?kind=forum")["ETag"] != etag
    # A change of any event gives a new version at once.
    event.title_fr = "Renommé"
    event.save()
    changed = client.get(FEED, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "Renommé" in by_summary(parse(changed))


def test_event_file_download_and_etag(client):
    event = EventFactory(title_fr="Atelier")
    response = client.get(reverse("agenda:ics", kwargs={"slug": event.slug}))
    assert response["Content-Disposition"] == f'attachment; filename="{event.slug}.ics"'
    assert (
        client.get(reverse("agenda:ics", kwargs={"slug": event.slug}), HTTP_IF_NONE_MATCH=response["ETag"]).status_code
        == 304
    )


def test_english_feed(client):
    EventFactory(title_fr="Rencontre", title_en="Meetup", event_status=EventStatus.CANCELLED)
    calendar = parse(client.get("/en" + FEED))
    assert str(calendar.vevent.summary.value) == "Cancelled: Meetup"


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "UTC"])
def test_vtimezone_matches_zoneinfo_every_hour_of_the_years_covered(zone):
    """Our VTIMEZONE, read by vobject, gives the same offset as zoneinfo at
    every hour of three years (both changes of time each year included)."""
    from helice.agenda.vtimezone import vtimezone

    tz_text = vtimezone(zone, 2026, 2028).to_ical().decode()
    calendar = vobject.readOne("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n" + tz_text + "END:VCALENDAR\r\n")
    reader = calendar.vtimezone.gettzinfo()
    reference = zoneinfo.ZoneInfo(zone)
    instant = datetime.datetime(2026, 1, 1, 12, tzinfo=UTC)
    while instant.year < 2029:
        assert instant.astimezone(reader).utcoffset() == instant.astimezone(reference).utcoffset(), instant
        instant += datetime.timedelta(hours=1)


def test_feed_is_bounded_upcoming_first_then_a_short_past_window(client, settings):
    settings.AGENDA_FEED_MAX_EVENTS = 3
    settings.AGENDA_FEED_PAST_DAYS = 30
    EventFactory(title_fr="Fini il y a 40 jours", slots=[(in_days(-40, 9), in_days(-40, 10))])
    EventFactory(title_fr="Fini il y a 5 jours", slots=[(in_days(-5, 9), in_days(-5, 10))])
    for n in range(1, 3):
        EventFactory(title_fr=f"Dans {n} jours", slots=[(in_days(n, 9), in_days(n, 10))])
    response = client.get(FEED)
    assert set(by_summary(parse(response))) == {"Fini il y a 5 jours", "Dans 1 jours", "Dans 2 jours"}
    text = response.content.decode()
    assert "X-WR-CALDESC:" in text and "30" in text.split("X-WR-CALDESC:", 1)[1].split("\r\n")[0]
    # More upcoming events than room: the soonest upcoming only, no past one.
    for n in range(3, 6):
        EventFactory(title_fr=f"Dans {n} jours", slots=[(in_days(n, 9), in_days(n, 10))])
    assert set(by_summary(parse(client.get(FEED)))) == {"Dans 1 jours", "Dans 2 jours", "Dans 3 jours"}
    page = client.get(reverse("agenda:list")).content.decode()
    assert 'id="feed-bound"' in page and "au plus 3" in page


def test_feed_shares_each_event_text_and_a_change_rewrites_it(client, django_assert_num_queries):
    from django.core.cache import cache

    kind = EventKind.WORKSHOP
    event = EventFactory(title_fr="Avant", kind=kind, slots=[(in_days(2, 9), in_days(2, 10))])
    EventFactory(title_fr="Autre", kind=kind, slots=[(in_days(3, 9), in_days(3, 10))])
    client.get(FEED)
    keys = [k for k in cache._cache if ":agenda:vevent:" in k]
    assert len(keys) == 2
    # Another filter with the same events: the upcoming rows and the recently ended ones
    # (2 queries, no relations), each event's text from the cache.
    with django_assert_num_queries(2):
        calendar = parse(client.get(f"{FEED}?kind={kind}"))
    assert set(by_summary(calendar)) == {"Avant", "Autre"}
    event.title_fr = "Après"
    event.save()
    assert set(by_summary(parse(client.get(FEED)))) == {"Après", "Autre"}
    # A time slot changed without the event's row: the data version changes, so does the text.
    slot = event.time_slots.get()
    slot.start, slot.end = in_days(4, 9), in_days(4, 10)
    slot.save()
    dtstart = by_summary(parse(client.get(FEED)))["Après"].dtstart.value
    assert dtstart == in_days(4, 9)
