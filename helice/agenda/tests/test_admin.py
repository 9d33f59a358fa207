"""The admin: time slots typed in the zone of the place; derived fields kept."""

import datetime

import pytest
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.agenda.models import Event
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


def form_data(**extra):
    data = {
        "title_fr": "Salon à Tokyo",
        "slug": "salon-a-tokyo",
        "kind": "trade_fair",
        "status": "published",
        "event_status": "scheduled",
        "attendance": "on_site",
        "scope": "abroad",
        "country": "JP",
        "city": "Tokyo",
        "is_free": "unknown",
        "time_slots-TOTAL_FORMS": "1",
        "time_slots-INITIAL_FORMS": "0",
        "time_slots-MIN_NUM_FORMS": "0",
        "time_slots-MAX_NUM_FORMS": "1000",
        "time_slots-0-start": "2027-01-07 10:00",
        "time_slots-0-end": "2027-01-07 18:00",
        "time_slots-0-time_zone": "Asia/Tokyo",
    }
    data.update(extra)
    return data


@pytest.fixture
def admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_admin_pages_render(admin):
    for name in ("event", "eventseries", "calendarfeed"):
        assert admin.get(reverse(f"admin:agenda_{name}_add")).status_code == 200
        assert admin.get(reverse(f"admin:agenda_{name}_changelist")).status_code == 200


def test_time_slot_is_typed_in_its_own_zone(admin):
    organisation = OrganizationFactory()
    response = admin.post(reverse("admin:agenda_event_add"), form_data(organisers=[organisation.pk]))
    assert response.status_code == 302, response.context["adminform"].errors if response.context else response
    event = Event.objects.get(slug="salon-a-tokyo")
    slot = event.time_slots.get()
    assert slot.start == datetime.datetime(2027, 1, 7, 1, 0, tzinfo=UTC)
    assert event.starts_at == slot.start and event.ends_at == datetime.datetime(2027, 1, 7, 9, 0, tzinfo=UTC)
    assert "tokyo" in event.search_document
    # The change page shows the times as typed.
    page = admin.get(reverse("admin:agenda_event_change", args=[event.pk])).content.decode()
    assert "2027-01-07 10:00" in page or "07/01/2027 10:00" in page


def test_a_skipped_local_time_is_a_form_error(admin):
    data = form_data(
        **{"time_slots-0-start": "2027-03-28 02:30", "time_slots-0-end": "", "time_slots-0-time_zone": "Europe/Paris"}
    )
    response = admin.post(reverse("admin:agenda_event_add"), data)
    assert response.status_code == 200
    assert "n’existe pas" in response.content.decode() or "does not exist" in response.content.decode()
    assert not Event.objects.exists()


def test_all_day_slot_from_the_admin(admin):
    data = form_data(
        **{
            "time_slots-0-start": "2027-06-01 00:00",
            "time_slots-0-end": "2027-06-03 00:00",
            "time_slots-0-all_day": "on",
            "time_slots-0-time_zone": "Europe/Paris",
            "scope": "local",
            "country": "FR",
            "city": "",
        }
    )
    assert admin.post(reverse("admin:agenda_event_add"), data).status_code == 302
    slot = Event.objects.get().time_slots.get()
    assert (slot.first_day, slot.last_day) == (datetime.date(2027, 6, 1), datetime.date(2027, 6, 3))
