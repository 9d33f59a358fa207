"""Import of partners' iCalendar feeds: keyed by (feed, UID), never duplicated,
updates applied, vanished events cancelled, the same moderation as partner
content, hostile feeds (broken and folded lines, missing UID, enormous or HTML
answers, unknown and floating time zones, duplicate UIDs, HTML in texts), the
failure recorded and mailed once, the other feeds unaffected, all or nothing
per feed, and the cron command. No network: the fetch is faked."""

import datetime
import io
import zoneinfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.agenda import ical_in, services_partner
from helice.agenda.fetch import FeedError, FetchResult
from helice.agenda.models import CalendarFeed, Event, EventKind, EventStatus, FeedStatus
from helice.agenda.tests.factories import CalendarFeedFactory
from helice.core.models import OutgoingEmail
from helice.directory.models import PublicationStatus
from helice.directory.tests.factories import OrganizationFactory
from helice.moderation import services as moderation
from helice.moderation.models import Revision, RevisionStatus

from .feeds import FakeFetch, day, ics, stamp, vevent

pytestmark = pytest.mark.django_db
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


@pytest.fixture
def trusted_feed():
    organization = OrganizationFactory(name="Cluster Minalogic", is_trusted=True)
    MembershipFactory(organization=organization, user__email="membre@cluster.example")
    return CalendarFeedFactory(organization=organization, default_kind=EventKind.FORUM)


@pytest.fixture
def feed():
    organization = OrganizationFactory(name="Association Quokka", is_trusted=False)
    MembershipFactory(organization=organization, user__email="membre@quokka.example")
    return CalendarFeedFactory(organization=organization)


def run(feed, *answers, **options):
    fetch = FakeFetch(*answers)
    report = services_partner.feed_import(feed=feed, fetch=fetch, **options)
    feed.refresh_from_db()
    return report, fetch


def mails(template):
    return list(OutgoingEmail.objects.filter(template=template))


# --- The import itself --------------------------------------------------------------


def test_a_trusted_organisations_feed_is_published_at_once_and_attributed_to_it(trusted_feed):
    report, _fetch = run(
        trusted_feed,
        ics(
            vevent(
                "forum-2027@cluster",
                "Forum de l'industrie",
                "LOCATION:Alpexpo\\, Grenoble",
                "URL:https://cluster.example/forum",
            ),
            vevent("atelier@cluster", "Atelier robotique", days=40),
        ),
    )
    assert (report.created, report.updated, report.pending, report.problems) == (2, 0, 0, [])
    event = Event.objects.get(source_uid="forum-2027@cluster")
    assert event.status == PublicationStatus.PUBLISHED
    assert list(event.organisers.all()) == [trusted_feed.organization]
    assert event.source_feed == trusted_feed
    assert event.sources == f"{trusted_feed.url} (UID forum-2027@cluster)"
    assert event.kind == EventKind.FORUM  # the feed's kind
    assert event.venue_name == "Alpexpo, Grenoble"
    assert event.website == "https://cluster.example/forum"
    slot = event.time_slots.get()
    assert slot.time_zone == "Europe/Paris"
    assert slot.local_start.hour == 9 and slot.local_end.hour == 17
    assert event.starts_at == slot.start  # the event's dates follow its slots
    revision = Revision.objects.for_object(event).get()
    assert revision.status == RevisionStatus.PUBLISHED and revision.author is None
    assert revision.data["time_slots"][0]["time_zone"] == "Europe/Paris"
    assert trusted_feed.last_status == FeedStatus.OK and trusted_feed.failures == 0
    assert trusted_feed.etag == '"v1"' and trusted_feed.last_report["created"] == 2


def test_another_organisations_feed_goes_to_the_moderation_queue(feed):
    moderator = UserFactory(moderator=True, email="moderation@metropole.example")
    report, _fetch = run(feed, ics(vevent("a@q"), vevent("b@q", "Deuxième")))
    assert (report.created, report.pending) == (2, 2)
    assert set(Event.objects.values_list("status", flat=True)) == {PublicationStatus.DRAFT}
    assert not Event.objects.published().exists()
    # The moderators are told once for the run, not once per event.
    assert len(mails("agenda/email/feed_to_review")) == 1
    revision = Revision.objects.get(status=RevisionStatus.PENDING, object_id=Event.objects.get(source_uid="a@q").pk)
    moderation.revision_approve(revision=revision, by=moderator)
    event = Event.objects.get(source_uid="a@q")
    assert event.status == PublicationStatus.PUBLISHED
    assert event.time_slots.count() == 1 and event.starts_at is not None


def test_importing_the_same_feed_again_changes_nothing(trusted_feed):
    body = ics(vevent("a@c"), vevent("b@c", "Deux"))
    run(trusted_feed, body)
    revisions = Revision.objects.count()
    report, _fetch = run(trusted_feed, body)
    assert (report.created, report.updated, report.unchanged, report.cancelled) == (0, 0, 2, 0)
    assert Event.objects.count() == 2 and Revision.objects.count() == revisions


def test_the_etag_and_date_are_sent_back_and_a_304_changes_nothing(trusted_feed):
    run(trusted_feed, ics(vevent("a@c")))
    report, fetch = run(trusted_feed, FetchResult(status=304))
    assert fetch.calls == [(trusted_feed.url, '"v1"', "Tue, 01 Dec 2026 10:00:00 GMT")]
    assert report.status == FeedStatus.NOT_MODIFIED
    assert trusted_feed.last_status == FeedStatus.NOT_MODIFIED and trusted_feed.last_report["created"] == 1


def test_a_changed_event_is_updated_not_duplicated_and_its_sequence_goes_up(trusted_feed):
    run(trusted_feed, ics(vevent("a@c", "Forum")))
    event = Event.objects.get()
    sequence = event.sequence
    changed = vevent(
        "a@c",
        "Forum 2027",
        "SEQUENCE:2",
        "DTSTART;TZID=Europe/Paris:" + stamp(31, 10),
        "DTEND;TZID=Europe/Paris:" + stamp(31, 12),
    )
    report, _fetch = run(trusted_feed, ics(changed))
    assert (report.created, report.updated) == (0, 1)
    event = Event.objects.get()
    assert event.title_fr == "Forum 2027"
    slot = event.time_slots.get()
    assert (slot.local_start.hour, slot.local_end.hour) == (10, 12)
    assert event.sequence > sequence


def test_what_a_partner_completed_is_kept_by_the_next_import(trusted_feed):
    run(trusted_feed, ics(vevent("a@c", "Forum")))
    event = Event.objects.get()
    Event.objects.filter(pk=event.pk).update(
        kind=EventKind.TRADE_FAIR, for_students=True, event_status=EventStatus.FULL
    )
    run(trusted_feed, ics(vevent("a@c", "Forum renommé")))
    event.refresh_from_db()
    assert (event.title_fr, event.kind, event.for_students, event.event_status) == (
        "Forum renommé",
        EventKind.TRADE_FAIR,
        True,
        EventStatus.FULL,
    )


def test_an_upcoming_event_that_vanished_is_cancelled_never_deleted_and_a_past_one_is_left(trusted_feed):
    run(trusted_feed, ics(vevent("stays@c"), vevent("goes@c", "Annulé"), vevent("past@c", "Passé", days=-20)))
    report, _fetch = run(trusted_feed, ics(vevent("stays@c")))
    assert report.cancelled == 1
    assert Event.objects.count() == 3
    assert Event.objects.get(source_uid="goes@c").event_status == EventStatus.CANCELLED
    assert Event.objects.get(source_uid="past@c").event_status == EventStatus.SCHEDULED
    assert Event.objects.get(source_uid="stays@c").event_status == EventStatus.SCHEDULED
    # It comes back: scheduled again, the same event.
    run(trusted_feed, ics(vevent("stays@c"), vevent("goes@c", "Annulé")))
    assert Event.objects.get(source_uid="goes@c").event_status == EventStatus.SCHEDULED
    assert Event.objects.count() == 3


def test_status_cancelled_in_the_feed_cancels_the_event(trusted_feed):
    run(trusted_feed, ics(vevent("a@c")))
    run(trusted_feed, ics(vevent("a@c", "Forum de l'industrie", "STATUS:CANCELLED", "SEQUENCE:1")))
    assert Event.objects.get().event_status == EventStatus.CANCELLED


def test_the_same_uid_in_two_feeds_makes_two_events(trusted_feed):
    other = CalendarFeedFactory(organization=trusted_feed.organization)
    run(trusted_feed, ics(vevent("same@uid")))
    run(other, ics(vevent("same@uid")))
    assert Event.objects.filter(source_uid="same@uid").count() == 2


def test_categories_naming_a_kind_give_it(trusted_feed):
    run(trusted_feed, ics(vevent("a@c", "Hack", "CATEGORIES:Innovation,Hackathon")))
    assert Event.objects.get().kind == EventKind.HACKATHON


# --- Hostile feeds ---------------------------------------------------------------------


def test_folded_lines_are_unfolded_and_a_broken_line_skips_only_its_event(trusted_feed):
    folded = vevent("folded@c", "Rencontres de l'innovation et de la recherche en mi\r\n croélectronique")
    broken = vevent("broken@c", "Cassé", "ceci n'est pas une ligne iCalendar")
    report, _fetch = run(trusted_feed, ics(folded, broken, vevent("fine@c", "Bien")))
    assert report.created == 2
    assert Event.objects.get(source_uid="folded@c").title_fr.endswith("microélectronique")
    assert not Event.objects.filter(source_uid="broken@c").exists()
    assert len(report.problems) == 1 and "Cassé" in report.problems[0]
    assert trusted_feed.last_report["problems"] == report.problems


def test_an_event_without_uid_or_title_or_start_is_skipped_and_reported(trusted_feed):
    no_start = "\r\n".join(["BEGIN:VEVENT", "UID:nostart@c", "SUMMARY:Sans date", "END:VEVENT"])
    report, _fetch = run(trusted_feed, ics(vevent(None, "Sans UID"), vevent("notitle@c", ""), no_start, vevent("ok@c")))
    assert list(Event.objects.values_list("source_uid", flat=True)) == ["ok@c"]
    assert len(report.problems) == 3
    assert any("UID" in p for p in report.problems) and any("DTSTART" in p for p in report.problems)


def test_an_end_before_the_start_is_skipped(trusted_feed):
    backwards = vevent("back@c", "À l'envers", "DTSTART:20270110T100000Z", "DTEND:20270110T090000Z")
    report, _fetch = run(trusted_feed, ics(backwards, vevent("ok@c")))
    assert not Event.objects.filter(source_uid="back@c").exists()
    assert "DTEND" in report.problems[0]


def test_time_zones_unknown_windows_floating_utc_and_all_day(trusted_feed):
    unknown = vevent("mars@c", "Sur Mars", tz="Mars/Olympus_Mons")
    windows = vevent("win@c", "Outlook", tz="Romance Standard Time")
    tokyo = vevent("tokyo@c", "Salon à Tokyo", tz="Asia/Tokyo")
    floating = vevent("float@c", "Flottant", f"DTSTART:{stamp(30, 14)}")
    utc = vevent("utc@c", "En UTC", "DTSTART:20270110T080000Z", "DTEND:20270110T100000Z")
    all_day = vevent("fair@c", "Salon", f"DTSTART;VALUE=DATE:{day(50)}", f"DTEND;VALUE=DATE:{day(53)}")
    report, _fetch = run(
        trusted_feed, ics(unknown, windows, tokyo, floating, utc, all_day, header="X-WR-TIMEZONE:America/New_York")
    )
    assert not Event.objects.filter(source_uid="mars@c").exists()
    assert "Mars/Olympus_Mons" in report.problems[0]
    assert Event.objects.get(source_uid="win@c").time_slots.get().time_zone == "Europe/Paris"
    tokyo_slot = Event.objects.get(source_uid="tokyo@c").time_slots.get()
    assert tokyo_slot.time_zone == "Asia/Tokyo" and tokyo_slot.local_start.hour == 9
    # A floating time is read in the feed's X-WR-TIMEZONE.
    float_slot = Event.objects.get(source_uid="float@c").time_slots.get()
    assert float_slot.time_zone == "America/New_York" and float_slot.local_start.hour == 14 and float_slot.end is None
    utc_slot = Event.objects.get(source_uid="utc@c").time_slots.get()
    assert utc_slot.start == datetime.datetime(2027, 1, 10, 8, tzinfo=datetime.UTC)
    fair = Event.objects.get(source_uid="fair@c").time_slots.get()
    assert fair.all_day and fair.time_zone == "America/New_York"
    assert (fair.last_day - fair.first_day).days == 2  # DTEND is exclusive: three days


def test_floating_times_without_a_feed_zone_are_read_in_the_sites_zone(trusted_feed):
    run(trusted_feed, ics(vevent("float@c", "Flottant", f"DTSTART:{stamp(30, 14)}", f"DTEND:{stamp(30, 16)}")))
    slot = Event.objects.get().time_slots.get()
    assert slot.time_zone == "Europe/Paris" and slot.local_start.hour == 14


def test_duplicate_uids_keep_the_highest_sequence_and_are_reported(trusted_feed):
    old = vevent("dup@c", "Ancienne version", "SEQUENCE:1")
    new = vevent("dup@c", "Nouvelle version", "SEQUENCE:3")
    report, _fetch = run(trusted_feed, ics(new, old))
    assert Event.objects.get().title_fr == "Nouvelle version"
    assert len(report.problems) == 1 and "SEQUENCE" in report.problems[0]


def test_html_in_titles_and_descriptions_is_sanitised(trusted_feed):
    hostile = vevent(
        "html@c",
        "<b>Forum</b> <script>alert(1)</script>",
        'DESCRIPTION:<p>Bienvenue <a href="javascript:alert(1)">ici</a></p><img src=x onerror=alert(1)><script>alert(2)</script>',
        "URL:javascript:alert(1)",
    )
    run(trusted_feed, ics(hostile))
    event = Event.objects.get()
    assert "<" not in event.title_fr and "Forum" in event.title_fr
    assert "script" not in event.description_fr and "onerror" not in event.description_fr
    assert "javascript" not in event.description_fr and "Bienvenue" in event.description_fr
    assert event.website == ""


def test_too_many_events_fail_the_feed(trusted_feed, monkeypatch):
    monkeypatch.setattr(ical_in, "MAX_EVENTS", 3)
    report, _fetch = run(trusted_feed, ics(*(vevent(f"e{n}@c") for n in range(4))))
    assert report.status == FeedStatus.ERROR and report.error_code == "too_many"
    assert not Event.objects.exists()


def test_a_recurring_event_keeps_its_upcoming_occurrences_within_the_horizon(trusted_feed):
    weekly = vevent(
        "weekly@c",
        "Café des entrepreneurs",
        f"DTSTART;TZID=Europe/Paris:{stamp(-70, 8, 30)}",
        f"DTEND;TZID=Europe/Paris:{stamp(-70, 10)}",
        "RRULE:FREQ=WEEKLY",
        f"EXDATE;TZID=Europe/Paris:{stamp(-70 + 7 * 12, 8, 30)}",
    )
    moved = "\r\n".join(
        [
            "BEGIN:VEVENT",
            "UID:weekly@c",
            f"RECURRENCE-ID;TZID=Europe/Paris:{stamp(-70 + 7 * 13, 8, 30)}",
            f"DTSTART;TZID=Europe/Paris:{stamp(-70 + 7 * 13 + 1, 18)}",
            f"DTEND;TZID=Europe/Paris:{stamp(-70 + 7 * 13 + 1, 20)}",
            "SUMMARY:Café du soir",
            "END:VEVENT",
        ]
    )
    report, _fetch = run(trusted_feed, ics(weekly, moved))
    assert report.problems == []
    event = Event.objects.get()
    slots = list(event.time_slots.order_by("start"))
    now = timezone.now()
    assert all(s.end >= now - datetime.timedelta(days=1) for s in slots)  # past occurrences are left out
    assert all(s.start <= now + datetime.timedelta(days=ical_in.HORIZON_DAYS) for s in slots)
    assert 49 <= len(slots) <= 53  # one year of weeks, less the one excluded
    local_starts = {s.local_start.replace(tzinfo=None) for s in slots}
    excluded = datetime.datetime.strptime(stamp(-70 + 7 * 12, 8, 30), "%Y%m%dT%H%M%S")
    assert excluded not in local_starts
    assert datetime.datetime.strptime(stamp(-70 + 7 * 13 + 1, 18), "%Y%m%dT%H%M%S") in local_starts
    # Across the change of time, the local hour stays 08:30.
    assert {(s.local_start.hour, s.local_start.minute) for s in slots} - {(18, 0)} == {(8, 30)}


def test_a_finished_series_keeps_its_last_occurrence_and_secondly_rules_are_refused(trusted_feed):
    finished = vevent(
        "done@c",
        "Fini",
        f"DTSTART;TZID=Europe/Paris:{stamp(-100)}",
        f"DTEND;TZID=Europe/Paris:{stamp(-100, 10)}",
        "RRULE:FREQ=DAILY;COUNT=3",
    )
    bomb = vevent("bomb@c", "Bombe", f"DTSTART:{stamp(1)}", "RRULE:FREQ=SECONDLY")
    report, _fetch = run(trusted_feed, ics(finished, bomb))
    slot = Event.objects.get(source_uid="done@c").time_slots.get()
    assert slot.local_start.date() == (timezone.localdate() - datetime.timedelta(days=98))
    assert not Event.objects.filter(source_uid="bomb@c").exists()
    assert "SECONDLY" in report.problems[0]


# --- Failures: recorded, mailed once, the rest goes on -----------------------------------


def test_a_feed_turning_into_html_fails_without_touching_its_events_and_is_mailed_once(trusted_feed):
    run(trusted_feed, ics(vevent("a@c")))
    html_page = b"<!DOCTYPE html><html><body><h1>Maintenance</h1></body></html>"
    report, _fetch = run(trusted_feed, html_page)
    assert report.status == FeedStatus.ERROR and report.error_code == "not_calendar"
    assert Event.objects.get().event_status == EventStatus.SCHEDULED  # not cancelled
    assert trusted_feed.last_status == FeedStatus.ERROR and trusted_feed.failures == 1
    assert "agenda" in trusted_feed.last_error
    failed = mails("agenda/email/feed_failed")
    assert len(failed) == 1 and failed[0].recipients == ["membre@cluster.example"]
    assert trusted_feed.url in failed[0].body
    run(trusted_feed, html_page)
    assert trusted_feed.failures == 2 and len(mails("agenda/email/feed_failed")) == 1  # not every run
    run(trusted_feed, ics(vevent("a@c")))
    assert trusted_feed.failures == 0 and trusted_feed.last_status == FeedStatus.OK and trusted_feed.last_error == ""
    assert len(mails("agenda/email/feed_recovered")) == 1


@pytest.mark.parametrize(
    "error",
    [
        FeedError("network", "The server could not be reached."),
        FeedError("http", "The server answered with the HTTP error 500."),
        FeedError("too_big", "The feed is larger than 5 MB: it is not imported."),
        FeedError("timeout", "The server took too long to answer."),
    ],
)
def test_fetch_failures_are_recorded_on_the_feed(trusted_feed, error):
    report, _fetch = run(trusted_feed, error)
    assert report.status == FeedStatus.ERROR and report.error_code == error.code
    assert trusted_feed.last_error == error.message and trusted_feed.failures == 1


@pytest.mark.parametrize("body", [b"", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n", b"\x00\xff" * 100])
def test_empty_truncated_or_binary_answers_fail_the_feed(trusted_feed, body):
    report, _fetch = run(trusted_feed, body)
    assert report.status == FeedStatus.ERROR and report.error_code in ("not_calendar", "broken")


def test_one_feed_failing_does_not_stop_the_others(trusted_feed, feed, monkeypatch):
    answers = {trusted_feed.url: b"<html>oops</html>", feed.url: ics(vevent("a@q"))}

    def fetch(url, **kwargs):
        return FetchResult(status=200, body=answers[url], url=url)

    reports = services_partner.feeds_import(fetch=fetch)
    assert [r.status for r in reports] == [FeedStatus.ERROR, FeedStatus.OK]
    assert Event.objects.filter(source_feed=feed).count() == 1


def test_an_error_while_writing_rolls_the_whole_feed_back(trusted_feed, monkeypatch, caplog):
    real = services_partner._submit_imported
    calls = []

    def failing(event, state, report, *, new):
        calls.append(event.source_uid)
        if len(calls) == 2:
            raise RuntimeError("database went away")
        return real(event, state, report, new=new)

    monkeypatch.setattr(services_partner, "_submit_imported", failing)
    report, _fetch = run(trusted_feed, ics(vevent("a@c"), vevent("b@c", "Deux")))
    assert report.status == FeedStatus.ERROR and report.error_code == "internal"
    assert not Event.objects.exists() and not Revision.objects.exists()
    assert trusted_feed.failures == 1


def test_a_dry_run_saves_nothing(trusted_feed):
    report, _fetch = run(trusted_feed, ics(vevent("a@c")), dry_run=True)
    assert report.created == 1
    assert not Event.objects.exists() and not Revision.objects.exists()
    assert trusted_feed.last_status == FeedStatus.NEVER


# --- The command --------------------------------------------------------------------------


def test_the_command_imports_active_feeds_one_or_in_a_dry_run(trusted_feed, monkeypatch):
    paused = CalendarFeedFactory(organization=trusted_feed.organization, active=False)
    monkeypatch.setattr("helice.agenda.fetch.fetch", FakeFetch(ics(vevent("a@c"))))
    out = io.StringIO()
    call_command("import_calendar_feeds", "--dry-run", stdout=out)
    assert "Dry run" in out.getvalue() and not Event.objects.exists()
    out = io.StringIO()
    call_command("import_calendar_feeds", stdout=out)
    assert f"feed {trusted_feed.pk}: 1 created" in out.getvalue() and f"feed {paused.pk}" not in out.getvalue()
    call_command("import_calendar_feeds", "--feed", str(paused.pk), stdout=io.StringIO())
    assert Event.objects.filter(source_feed=paused).count() == 1
    with pytest.raises(CommandError):
        call_command("import_calendar_feeds", "--feed", "999999", stdout=io.StringIO())
    assert CalendarFeed.objects.count() == 2


def test_an_unchanged_feed_costs_about_one_query_per_event(trusted_feed, feed, django_assert_max_num_queries):
    body = ics(*(vevent(f"e{n}@c", f"Événement {n}", days=10 + n) for n in range(20)))
    run(trusted_feed, body)
    run(feed, body)
    with django_assert_max_num_queries(20 + 15):  # the sectors of each event, read by the moderation adapter
        report, _fetch = run(trusted_feed, body)
    assert report.unchanged == 20
    with django_assert_max_num_queries(15):  # waiting changes are read once for the feed
        report, _fetch = run(feed, body)
    assert report.unchanged == 20
