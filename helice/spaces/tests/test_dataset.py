"""The Grenoble spaces dataset: every reference valid, every record sourced, no
invented address, coordinates, surface, price or availability; it loads in full,
places spaces with a commune at its centre (approximate), and loading it again
changes nothing."""

import io

import pytest
import yaml
from django.core.management import call_command

from helice.core.services import TerritoryDataError, territory_load_reference, territory_path
from helice.directory.models import LocationPrecision
from helice.directory.services import organizations_load
from helice.spaces import services
from helice.spaces.models import PlanStatus, Space, SpaceKind

GRENOBLE = territory_path("grenoble")


def records():
    found = []
    for file in services.space_files(GRENOBLE):
        document = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert document.get("source"), f"{file.name} names no source"
        found += [(file.name, record) for record in document["spaces"]]
    return found


def test_enough_spaces_with_unique_slugs_of_every_main_kind():
    found = records()
    assert len(found) >= 35
    slugs = [r["slug"] for _, r in found]
    assert len(slugs) == len(set(slugs))
    kinds = {r["kind"] for _, r in found}
    assert {"incubator", "nursery", "accelerator", "business_hotel", "third_place", "technology_platform"} <= kinds
    assert {"activity_zone", "living_lab", "showroom"} <= kinds


def test_every_reference_exists_and_every_record_is_sourced_in_both_languages():
    organizations = set()
    for file in (GRENOBLE / "organizations").glob("*.yaml"):
        organizations |= {o["slug"] for o in yaml.safe_load(file.read_text(encoding="utf-8"))["organizations"]}
    sectors = {s["slug"] for s in yaml.safe_load((GRENOBLE / "sectors.yaml").read_text(encoding="utf-8"))["sectors"]}
    communes = {
        c["insee_code"] for c in yaml.safe_load((GRENOBLE / "communes.yaml").read_text(encoding="utf-8"))["communes"]
    }
    for file, record in records():
        label = f"{file}: {record['slug']}"
        assert record["kind"] in SpaceKind.values, label
        assert set(record.get("operators") or []) <= organizations, label
        assert set(record.get("sectors") or []) <= sectors, label
        assert not record.get("commune") or record["commune"] in communes, label
        assert record.get("summary_fr") and record.get("summary_en"), label
        assert len(record.get("source") or "") > 20, label
        assert record.get("plan_status", "") in {"", *PlanStatus.values}, label


def test_nothing_invented():
    """No address, coordinates, price or availability in the dataset (no source gives
    them); a surface only with the seed that gives it."""
    for file, record in records():
        label = f"{file}: {record['slug']}"
        for field in ("address", "postal_code", "latitude", "longitude", "price_range_fr", "contact_email"):
            assert not record.get(field), f"{label}: {field}"
        for field in ("total_surface_m2", "unit_count", "unit_size_min_m2", "unit_size_max_m2", "max_stay_months"):
            if record.get(field) is not None:
                assert "seed 00" in record["source"].lower() and str(record[field]) in record["source"], label


@pytest.mark.django_db
def test_the_dataset_loads_in_full_and_again_changes_nothing(settings):
    territory_load_reference(path=GRENOBLE)
    organizations_load(path=GRENOBLE)
    counts = services.spaces_load(path=GRENOBLE)
    assert counts["total"] == len(records()) == Space.objects.count() == counts["created"]
    snapshot = {s.slug: (s.updated_at, s.commune_id, s.latitude, s.plan_status) for s in Space.objects.all()}
    totem = Space.objects.get(slug="totem-french-tech")
    assert totem.total_surface_m2 == 650
    assert totem.commune.insee_code == "38185"
    assert totem.location_precision == LocationPrecision.COMMUNE
    assert totem.latitude == totem.commune.latitude
    assert totem.units_available is None and totem.availability_confirmed_at is None
    assert set(totem.operators.values_list("slug", flat=True)) == {"french-tech-in-the-alps"}
    unplaced = Space.objects.get(slug="pepiniere-tarmac")
    assert unplaced.latitude is None and unplaced.location_precision == ""
    assert Space.objects.filter(plan_status=PlanStatus.TO_CREATE).count() >= 8

    again = services.spaces_load(path=GRENOBLE)
    assert again == {"created": 0, "updated": counts["total"], "total": counts["total"]}
    assert Space.objects.count() == counts["total"]
    for space in Space.objects.all():
        assert snapshot[space.slug][1:] == (space.commune_id, space.latitude, space.plan_status)


@pytest.mark.django_db
def test_load_territory_runs_the_spaces_loader():
    call_command("load_territory", "grenoble", stdout=io.StringIO())
    assert Space.objects.count() == len(records())


@pytest.mark.django_db
def test_a_bad_record_names_itself_and_loads_nothing(tmp_path):
    territory_load_reference(path=GRENOBLE)
    (tmp_path / "spaces").mkdir()
    (tmp_path / "spaces" / "bad.yaml").write_text(
        "source: test\nspaces:\n"
        "  - {name: Bon, slug: bon, kind: incubator, source: a test record}\n"
        "  - {name: Mauvais, slug: mauvais, kind: spaceship, source: a test record}\n",
        encoding="utf-8",
    )
    with pytest.raises(TerritoryDataError, match=r"mauvais.*unknown kind spaceship"):
        services.spaces_load(path=tmp_path)
    assert not Space.objects.exists()
    (tmp_path / "spaces" / "bad.yaml").write_text(
        "source: test\nspaces:\n  - {name: X, slug: x, kind: incubator, operators: [nobody], source: a test record}\n",
        encoding="utf-8",
    )
    with pytest.raises(TerritoryDataError, match="unknown operator"):
        services.spaces_load(path=tmp_path)
    (tmp_path / "spaces" / "bad.yaml").write_text(
        "source: test\nspaces:\n  - {name: X, slug: carte, kind: incubator, source: a test record}\n",
        encoding="utf-8",
    )
    with pytest.raises(TerritoryDataError, match="carte"):
        services.spaces_load(path=tmp_path)
