"""The Grenoble organisations dataset, organizations_load() and ``manage.py load_territory``."""

import io
import shutil

import pytest
import yaml
from django.core.management import CommandError, call_command
from django_countries import countries

from helice.core import services as core_services
from helice.core.models import Commune, PriorityDomain, Sector
from helice.core.services import TerritoryDataError, territory_load_reference, territory_path
from helice.directory.models import (
    HelixStrand,
    InternationalActivity,
    LocationPrecision,
    Organization,
    OrganizationKind,
    PublicationStatus,
    Tag,
)
from helice.directory.selectors import DirectoryFilters, organization_search
from helice.directory.services import organization_files, organizations_load
from helice.directory.tests.factories import OrganizationFactory

GRENOBLE = territory_path("grenoble")


def organization_records():
    records = []
    for file in organization_files(GRENOBLE):
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
        records += [(file.name, record) for record in document["organizations"]]
    return records


def reference_keys(name, list_key, key):
    document = yaml.safe_load((GRENOBLE / name).read_text(encoding="utf-8"))
    return {str(record[key]) for record in document[list_key]}


# --- The files -------------------------------------------------------------------


def test_at_least_150_organisations_with_unique_slugs_and_names():
    records = organization_records()
    assert len(records) >= 150
    slugs = [record["slug"] for _, record in records]
    assert len(slugs) == len(set(slugs))
    names = [record["name"] for _, record in records]
    assert len(names) == len(set(names))


def test_every_reference_of_the_organisations_is_valid():
    sectors = reference_keys("sectors.yaml", "sectors", "slug")
    communes = reference_keys("communes.yaml", "communes", "insee_code")
    codes = {code for code, _ in countries}
    for file, record in organization_records():
        label = f"{file}: {record['slug']}"
        assert record["kind"] in OrganizationKind.values, label
        assert record["helix"] in HelixStrand.values, label
        assert set(record.get("sectors") or []) <= sectors, label
        assert record.get("commune") is None or str(record["commune"]) in communes, label
        for activity in record.get("international_activities") or []:
            assert activity["country"] in codes, label


def test_every_organisation_is_described_in_both_languages_and_sourced():
    for file, record in organization_records():
        label = f"{file}: {record['slug']}"
        assert record.get("description_fr", "").strip(), label
        assert record.get("description_en", "").strip(), label
        assert record["description_fr"] != record["description_en"], label
        assert record.get("sources", "").strip(), label
        assert record.get("status", "published") == "published", label


def test_no_identifier_or_address_is_made_up():
    """Nothing in the seed documents gives a SIREN, SIRET or street address."""
    for _, record in organization_records():
        for field in ("siren", "siret", "address", "postal_code", "latitude", "longitude", "headcount_band"):
            assert not record.get(field), (record["slug"], field)


# --- The loader ------------------------------------------------------------------


@pytest.fixture
def reference(db):
    territory_load_reference(path=GRENOBLE)


def test_load_creates_every_organisation_with_its_relations(reference):
    counts = organizations_load(path=GRENOBLE)
    total = len(organization_records())
    assert counts == {"created": total, "updated": 0, "total": total}
    assert Organization.objects.published().count() == total

    minalogic = Organization.objects.get(slug="minalogic")
    assert minalogic.kind == OrganizationKind.COMPETITIVENESS_CLUSTER
    assert set(minalogic.sectors.values_list("slug", flat=True)) == {"micro-nanoelectronique", "numerique"}
    assert minalogic.commune.insee_code == "38185"
    assert minalogic.founding_year == 2005
    assert "seed 001" in minalogic.sources
    assert minalogic.search_document and minalogic.name_key == " minalogic "

    metro = Organization.objects.get(slug="grenoble-alpes-metropole")
    assert metro.international_activities.filter(country="ES", kind="partnership").exists()
    assert metro.tags.filter(slug="in-focus-partenaire-local").exists()


def test_commune_centre_marks_the_position_as_approximate(reference):
    organizations_load(path=GRENOBLE)
    grenoble = Commune.objects.get(insee_code="38185")
    for organization in Organization.objects.exclude(commune=None):
        assert organization.location_precision == LocationPrecision.COMMUNE, organization.slug
        assert (organization.latitude, organization.longitude) == (
            organization.commune.latitude,
            organization.commune.longitude,
        )
    cea = Organization.objects.get(slug="cea-grenoble")
    assert (cea.latitude, cea.longitude) == (grenoble.latitude, grenoble.longitude)
    unplaced = Organization.objects.filter(commune=None)
    assert unplaced.exists()
    assert not unplaced.exclude(latitude=None).exists()
    assert not unplaced.exclude(location_precision="").exists()


def test_loading_twice_changes_nothing(reference):
    organizations_load(path=GRENOBLE)
    before = (
        Organization.objects.count(),
        Tag.objects.count(),
        InternationalActivity.objects.count(),
        Organization.sectors.through.objects.count(),
        Organization.tags.through.objects.count(),
    )
    counts = organizations_load(path=GRENOBLE)
    assert counts["created"] == 0
    assert counts["updated"] == before[0]
    after = (
        Organization.objects.count(),
        Tag.objects.count(),
        InternationalActivity.objects.count(),
        Organization.sectors.through.objects.count(),
        Organization.tags.through.objects.count(),
    )
    assert after == before


def test_search_finds_loaded_organisations(reference):
    organizations_load(path=GRENOBLE)
    found = list(organization_search(DirectoryFilters(q="minalogik")).iter_organizations())
    assert "minalogic" in [o.slug for o in found]
    energy = list(organization_search(DirectoryFilters(q="energie")).iter_organizations())
    assert any(s.slug == "energie" for o in energy for s in o.sectors.all())
    in_sector = organization_search(DirectoryFilters(sector=["energie"])).iter_values("slug")
    assert ("tenerrdis",) in list(in_sector)


def write_broken_copy(tmp_path, change):
    """A copy of the Grenoble data folder whose first organisation file is changed."""
    folder = tmp_path / "grenoble"
    shutil.copytree(GRENOBLE, folder)
    target = organization_files(folder)[0]
    document = yaml.safe_load(target.read_text(encoding="utf-8"))
    change(document["organizations"])
    target.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda orgs: orgs[-1].update(kind="spaceship"), "kind"),
        (lambda orgs: orgs[-1].update(sectors=["alchemy"]), "unknown sector"),
        (lambda orgs: orgs[-1].update(commune="99999"), "unknown commune"),
        (lambda orgs: orgs[-1].update(website="not a url"), "website"),
        (lambda orgs: orgs[-1].update(siren="123456789"), "siren"),
        (lambda orgs: orgs[-1].update(founding_year=3000), "founding_year"),
        (lambda orgs: orgs[-1].update(colour="red"), "unknown field"),
        (lambda orgs: orgs[-1].update(international_activities=[{"country": "XX", "kind": "export"}]), "country"),
        (lambda orgs: orgs.append(dict(orgs[0])), "slug"),
    ],
)
def test_a_broken_record_rolls_back_the_whole_load(reference, tmp_path, change, message):
    folder = write_broken_copy(tmp_path, change)
    with pytest.raises(TerritoryDataError, match=message) as error:
        organizations_load(path=folder)
    assert "organisation “" in str(error.value)
    assert Organization.objects.count() == 0
    assert Tag.objects.count() == 0
    assert InternationalActivity.objects.count() == 0


# --- The command -----------------------------------------------------------------


def run(*args):
    out = io.StringIO()
    call_command("load_territory", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_command_loads_reference_data_then_organisations():
    output = run("grenoble")
    total = len(organization_records())
    assert "communes: 49 (49 created, 0 updated)" in output
    assert "sectors: 8 (8 created" in output
    assert f"organisations: {total} ({total} created, 0 updated)" in output
    assert PriorityDomain.objects.count() == 8
    again = run("grenoble")
    assert f"organisations: {total} (0 created, {total} updated)" in again
    assert Organization.objects.count() == total


@pytest.mark.django_db
def test_if_empty_does_nothing_when_organisations_exist():
    OrganizationFactory(name="Already here")
    output = run("grenoble", "--if-empty")
    assert "nothing loaded" in output
    assert Organization.objects.count() == 1
    assert Sector.objects.count() == 0


@pytest.mark.django_db
def test_if_empty_loads_an_empty_database():
    run("grenoble", "--if-empty")
    assert Organization.objects.count() == len(organization_records())


@pytest.mark.django_db
def test_unknown_territory_lists_the_available_ones():
    with pytest.raises(CommandError, match=r"Available territories: .*grenoble"):
        run("atlantis")


@pytest.mark.django_db
def test_command_rolls_back_reference_data_when_an_organisation_is_broken(tmp_path, monkeypatch):
    folder = write_broken_copy(tmp_path, lambda orgs: orgs[-1].update(helix="fifth"))
    monkeypatch.setattr(core_services, "DATA_ROOT", tmp_path)
    with pytest.raises(CommandError, match=r"Nothing was loaded.*helix"):
        run(folder.name)
    assert Sector.objects.count() == 0
    assert Commune.objects.count() == 0
    assert Organization.objects.count() == 0
    assert not Organization.objects.filter(status=PublicationStatus.PUBLISHED).exists()
