"""The agenda's API: the list page's filters and order, pagination, errors, detail."""

import pytest

from helice.agenda.models import EventKind

from .factories import EventFactory, EventSeriesFactory, in_days

pytestmark = pytest.mark.django_db
API = "/api/v1/events"


def test_list_has_the_pages_filters_and_order(client):
    later = EventFactory(title_fr="Plus tard", kind=EventKind.FORUM, slots=[(in_days(9, 9), in_days(9, 10))])
    soon = EventFactory(title_fr="Bientôt", kind=EventKind.FORUM, is_free=True, slots=[(in_days(2, 9), None)])
    EventFactory(title_fr="Autre", kind=EventKind.MEETUP)
    EventFactory(title_fr="Brouillon", kind=EventKind.FORUM, draft=True)
    response = client.get(f"{API}?kind=forum")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2 and [i["slug"] for i in data["items"]] == [soon.slug, later.slug]
    item = data["items"][0]
    assert item["uid"] == soon.uid and item["time_slots"][0]["time_zone"] == "Europe/Paris"
    assert item["time_slots"][0]["end"] is None and item["free"] is True
    assert item["ics_url"] == f"http://testserver/agenda/evenements/{soon.slug}.ics"
    assert item["place"]["scope"] == "local" and item["place"]["country"] == "FR"
    assert [i["slug"] for i in client.get(f"{API}?kind=forum&free=true").json()["items"]] == [soon.slug]


def test_errors_are_400_and_404_with_a_message(client):
    EventFactory()
    for query in ("kind=nope", "du=demain", "audience=x", "where=moon", "q=a%00b"):
        response = client.get(f"{API}?{query}")
        assert response.status_code == 400, query
        assert response.json()["detail"]
    assert client.get(f"{API}?page=9").status_code == 404
    assert client.get(f"{API}?page_size=500").status_code == 400
    assert client.get(f"{API}/nothing").status_code == 404


def test_detail_with_series_and_dates_to_be_confirmed(client):
    series = EventSeriesFactory(slug="forum-5i")
    event = EventFactory(series=series, slots=[], sources="Plan IN FOCUS", scope="abroad", country="", city="")
    data = client.get(f"{API}/{event.slug}").json()
    assert data["dates_to_be_confirmed"] is True and data["time_slots"] == []
    assert data["series"] == "forum-5i" and data["sources"] == "Plan IN FOCUS"
    assert data["abroad"] is True and data["place"]["country"] == ""
    assert client.get(f"{API}/{EventFactory(draft=True).slug}").status_code == 404
