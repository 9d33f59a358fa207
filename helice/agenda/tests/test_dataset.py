"""The Grenoble dataset of the agenda: it loads, links organisers from the
directory, invents no date, and loading it again changes nothing."""

import datetime
from pathlib import Path

import pytest
import yaml

from helice.agenda import services
from helice.agenda.models import Event, EventSeries, Scope
from helice.core.services import DATA_ROOT, TerritoryDataError, territory_load_reference
from helice.directory.services import organizations_load

GRENOBLE = DATA_ROOT / "grenoble"
FILE = GRENOBLE / "agenda" / "events.yaml"


def document() -> dict:
    return yaml.safe_load(FILE.read_text(encoding="utf-8"))


def test_every_record_says_where_its_facts_come_from_and_dates_are_sourced():
    data = document()
    assert data["source"]
    for record in data["series"]:
        assert "eed 0" in record["sources"], record["slug"]
    for record in data["events"]:
        if record.get("time_slots"):
            # A date only where a seed gives it, and the record names that seed.
            assert "Seed 001" in record["sources"], record["slug"]


@pytest.fixture
def loaded(db):
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    return services.events_load(path=GRENOBLE)


def test_the_dataset_loads_and_links_organisers(loaded):
    data = document()
    assert loaded["total"] == len(data["events"]) == Event.objects.count()
    assert EventSeries.objects.count() == len(data["series"])
    forum = Event.objects.get(slug="forum-5i")
    assert forum.title_fr == "Forum 5i" and forum.series.slug == "forum-5i"
    assert [o.slug for o in forum.organisers.all()] == ["grenoble-alpes-metropole"]
    assert forum.dates_to_be_confirmed and forum.sources
    medfit = Event.objects.get(slug="medfit")
    assert {o.slug for o in medfit.organisers.all()} == {"medicalps", "eurasante", "grenoble-alpes-metropole"}
    ces = Event.objects.get(slug="ces")
    assert (ces.scope, ces.country.code, ces.city) == (Scope.ABROAD, "US", "Las Vegas")
    arab = Event.objects.get(slug="arab-health")
    assert arab.is_abroad and not arab.country  # the seeds give no country
    semicon = Event.objects.get(slug="semicon")
    assert semicon.scope == "" and semicon.kind == ""  # neither place nor kind is given
    # Only the 2011 conference has dates: 9 and 10 November 2011, all day, at Minatec in Grenoble.
    dated = Event.objects.exclude(starts_at=None)
    assert [e.slug for e in dated] == ["croissance-par-l-innovation-2011"]
    slot = dated[0].time_slots.get()
    assert slot.all_day and (slot.first_day, slot.last_day) == (datetime.date(2011, 11, 9), datetime.date(2011, 11, 10))
    assert dated[0].commune.insee_code == "38185" and dated[0].venue_name == "Minatec"
    assert all(e.status == "published" for e in Event.objects.all())


def test_loading_again_changes_nothing(loaded):
    before = {e.slug: (e.uid, e.sequence, e.starts_at) for e in Event.objects.all()}
    slots = sorted(Event.objects.values_list("time_slots__pk", flat=True).exclude(time_slots=None))
    again = services.events_load(path=GRENOBLE)
    assert again["created"] == 0 and again["updated"] == loaded["total"]
    assert {e.slug: (e.uid, e.sequence, e.starts_at) for e in Event.objects.all()} == before
    assert sorted(Event.objects.values_list("time_slots__pk", flat=True).exclude(time_slots=None)) == slots


def test_pages_show_the_dataset(loaded, client):
    html = client.get("/agenda/").content.decode()
    assert "Forum 5i" in html and "Dates à confirmer" in html
    international = client.get("/agenda/international/")
    names = [str(c.name) if c.code else "" for c, _dated, _pending in international.context["countries"]]
    assert names[-1] == "" and "Japon" in names and "Allemagne" in names
    detail = client.get("/agenda/evenements/croissance-par-l-innovation-2011/")
    assert detail.status_code == 200 and "9 novembre 2011" in detail.content.decode()
    month = client.get("/agenda/mois/2011-11/")
    assert [d for d, _ in month.context["view"].days] == [datetime.date(2011, 11, 9)]


@pytest.mark.django_db
def test_a_bad_record_loads_nothing(tmp_path):
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    folder = tmp_path / "agenda"
    folder.mkdir()
    data = document()
    data["events"].append({"slug": "broken", "series": "forum-5i", "organisers": ["nobody-here"]})
    (folder / "events.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TerritoryDataError, match=r"broken.*nobody-here"):
        services.events_load(path=tmp_path)
    assert not Event.objects.exists() and not EventSeries.objects.exists()
    data["events"][-1] = {
        "slug": "skipped-hour",
        "title_fr": "Heure sautée",
        "time_slots": [{"start": "2027-03-28T02:30", "time_zone": "Europe/Paris"}],
    }
    (folder / "events.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(TerritoryDataError, match=r"skipped-hour.*n’existe pas"):
        services.events_load(path=tmp_path)
    assert Path(tmp_path / "agenda" / "events.yaml").exists()
