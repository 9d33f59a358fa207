"""The indexes that keep the agenda fast with 50,000 events (docs/benchmarks.md,
"Agenda"): the soonest upcoming events in start order, and on PostgreSQL the
full-text index on exactly the expression ``helice.core.search`` matches with
(another expression would leave the index unused)."""

import pytest
from django.db import connection
from django.urls import reverse

from helice.agenda.models import Event

from .factories import EventFactory, in_days

pytestmark = pytest.mark.django_db


def test_the_soonest_index_is_declared():
    index = next(i for i in Event._meta.indexes if i.name == "agenda_event_soonest")
    assert index.fields == ["status", "starts_at", "ends_at"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="full-text index on PostgreSQL only")
def test_the_search_index_matches_the_search_expression():
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'agenda_event_search_gin'")
        (definition,) = cursor.fetchone()
    assert "USING gin (to_tsvector('simple'::regconfig, search_document))" in definition


def test_words_and_order_of_the_list_are_unchanged(client):
    later = EventFactory(title_fr="Salon de l'hydrogène", slots=[(in_days(9, 9), in_days(9, 18))])
    sooner = EventFactory(title_fr="Atelier hydrogène vert", slots=[(in_days(2, 9), in_days(2, 12))])
    EventFactory(title_fr="Forum des batteries", slots=[(in_days(1, 9), in_days(1, 12))])
    EventFactory(title_fr="Hydrogène, édition passée", slots=[(in_days(-30, 9), in_days(-30, 12))])
    page = client.get(reverse("agenda:list"), {"q": "hydrogene"}).context["page"]
    assert [e.pk for e in page.object_list] == [sooner.pk, later.pk]
