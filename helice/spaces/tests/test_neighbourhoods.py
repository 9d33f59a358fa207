"""Priority neighbourhoods (QPV): reading the ANCT's GeoJSON file (centroids,
bad files), the import command (the territory's only, replaced, all or nothing)
and the spread page's section."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from helice.directory.tests.factories import CommuneFactory
from helice.spaces import neighbourhoods
from helice.spaces.models import PriorityNeighbourhood

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


def square(lon, lat, size):
    return [[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]


def feature(code, name, communes, geometry):
    return {
        "type": "Feature",
        "properties": {"code_qp": code, "lib_qp": name, "insee_com": communes, "lib_com": "x"},
        "geometry": geometry,
    }


def write(tmp_path, features, **extra):
    path = tmp_path / "qpv.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}), encoding="utf-8")
    return str(path)


def test_centroid_of_a_square_a_square_with_a_hole_and_two_parts():
    assert neighbourhoods.centroid({"type": "Polygon", "coordinates": [square(5.0, 45.0, 0.02)]}) == pytest.approx(
        (45.01, 5.01)
    )
    # Clockwise rings give the same centroid.
    clockwise = list(reversed(square(5.0, 45.0, 0.02)))
    assert neighbourhoods.centroid({"type": "Polygon", "coordinates": [clockwise]}) == pytest.approx((45.01, 5.01))
    # A hole in the right half moves the centroid left: outer 4 units² centred on x = 1,
    # hole 1 unit² centred on x = 1.5 → x = (4×1 − 1×1.5) / 3 = 0.8333.
    holed = {"type": "Polygon", "coordinates": [square(0, 0, 2), square(1, 0.5, 1)]}
    lat, lon = neighbourhoods.centroid(holed)
    assert lon == pytest.approx(0.83333, abs=1e-4) and lat == pytest.approx(1.0)
    # Two parts: 1 unit² at x = 0.5 and 4 units² at x = 11 → (0.5 + 44) / 5 = 8.9.
    parts = {"type": "MultiPolygon", "coordinates": [[square(0, 0, 1)], [square(10, 0, 2)]]}
    lat, lon = neighbourhoods.centroid(parts)
    assert lon == pytest.approx(8.9) and lat == pytest.approx((0.5 + 4) / 5)


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "n’est pas du GeoJSON"),
        (json.dumps({"type": "Feature"}), "FeatureCollection"),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
                    "features": [],
                }
            ),
            "EPSG::2154",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        feature(
                            "QN03801M",
                            "Mistral",
                            "38185",
                            {"type": "Polygon", "coordinates": [square(913000, 6455000, 500)]},
                        )
                    ],
                }
            ),
            "Lambert-93",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"lib_qp": "Sans code", "insee_com": "38185"},
                            "geometry": None,
                        }
                    ],
                }
            ),
            "code_qp",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [feature("QN03801M", "Point", "38185", {"type": "Point", "coordinates": [5.7, 45.1]})],
                }
            ),
            "pas un polygone",
        ),
        (
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        feature(
                            "Quartier du Mistral à Grenoble",  # a name in the code property
                            "Mistral",
                            "38185",
                            {"type": "Polygon", "coordinates": [square(5.70, 45.17, 0.01)]},
                        )
                    ],
                }
            ),
            "plus long que 20 caractères",
        ),
    ],
)
def test_a_bad_file_is_refused_with_its_reason_and_changes_nothing(tmp_path, content, message):
    commune = CommuneFactory(insee_code="38185", name="Grenoble")
    PriorityNeighbourhood.objects.create(
        code="QN03899Z",
        name="Déjà là",
        commune=commune,
        latitude=45.1,
        longitude=5.7,
        source="avant",
        imported_at="2026-01-01T00:00Z",
    )
    path = tmp_path / "qpv.geojson"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_priority_neighbourhoods", str(path))
    assert list(PriorityNeighbourhood.objects.values_list("code", flat=True)) == ["QN03899Z"]


def test_import_keeps_the_territory_s_neighbourhoods_and_replaces_the_list(tmp_path, capsys):
    grenoble = CommuneFactory(insee_code="38185", name="Grenoble")
    echirolles = CommuneFactory(insee_code="38151", name="Échirolles")
    PriorityNeighbourhood.objects.create(
        code="QN03899Z",
        name="Ancien quartier",
        commune=grenoble,
        latitude=45.1,
        longitude=5.7,
        source="2015",
        imported_at="2026-01-01T00:00Z",
    )
    path = write(
        tmp_path,
        [
            feature("QN03801M", "Mistral", "38185", {"type": "Polygon", "coordinates": [square(5.70, 45.17, 0.01)]}),
            # several communes in one property: kept under the territory's one
            feature(
                "QN03802M",
                "Village Olympique",
                "38421, 38151",
                {"type": "Polygon", "coordinates": [square(5.72, 45.15, 0.01)]},
            ),
            feature("QN06901M", "Ailleurs", "69123", {"type": "Polygon", "coordinates": [square(4.8, 45.7, 0.01)]}),
        ],
    )
    call_command("import_priority_neighbourhoods", path, "--source", "ANCT, QPV 2024")
    assert "3 neighbourhoods in the file, 1 outside the territory; 2 created, 0 updated, 1 removed." in (
        capsys.readouterr().out
    )
    rows = {n.code: n for n in PriorityNeighbourhood.objects.all()}
    assert set(rows) == {"QN03801M", "QN03802M"}
    assert rows["QN03802M"].commune == echirolles and rows["QN03801M"].commune == grenoble
    assert (rows["QN03801M"].latitude, rows["QN03801M"].longitude) == pytest.approx((45.175, 5.705))
    assert rows["QN03801M"].source == "ANCT, QPV 2024"
    # A second import of the same file changes nothing but the date: updated, never doubled.
    call_command("import_priority_neighbourhoods", path)
    assert "0 created, 2 updated, 0 removed." in capsys.readouterr().out
    assert PriorityNeighbourhood.objects.count() == 2


def test_other_property_names_are_options(tmp_path):
    CommuneFactory(insee_code="38185", name="Grenoble")
    path = tmp_path / "qpv.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"CODE_QP": "QP038001", "NOM_QP": "Teisseire", "COMMUNES": ["38185"]},
                        "geometry": {"type": "Polygon", "coordinates": [square(5.74, 45.16, 0.01)]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    call_command(
        "import_priority_neighbourhoods",
        str(path),
        "--code-field=CODE_QP",
        "--name-field=NOM_QP",
        "--communes-field=COMMUNES",
    )
    assert PriorityNeighbourhood.objects.get().name == "Teisseire"


def test_spread_page_says_which_neighbourhoods_are_served(client, settings, tmp_path):
    settings.SPACES_SERVED_RADIUS_KM = 5
    grenoble = CommuneFactory(
        insee_code="38185", name="Grenoble", slug="grenoble", latitude=45.18663, longitude=5.73631
    )
    SpaceFactory(name="Pépinière du centre", commune=grenoble, latitude=45.18663, longitude=5.73631)
    path = write(
        tmp_path,
        [
            # centred on Échirolles' town hall: 4.52 km from the space (test_geography's hand computation)
            feature(
                "QN03801M",
                "Près du centre",
                "38185",
                {"type": "Polygon", "coordinates": [square(5.71216, 45.14327, 0.01)]},
            ),
            # about 22 km south: not served
            feature(
                "QN03802M", "Loin au sud", "38185", {"type": "Polygon", "coordinates": [square(5.73131, 44.98, 0.01)]}
            ),
        ],
    )
    call_command("import_priority_neighbourhoods", path, "--source", "ANCT, QPV 2024")
    html = client.get(reverse("spaces:spread")).content.decode()
    assert "pas été chargée" not in html
    assert "ANCT, QPV 2024" in html
    assert "2 quartiers prioritaires sur le territoire" in html
    section = html[html.index('id="neighbourhoods-heading"') :]
    near = section[section.index('id="neighbourhood-qn03801m"') : section.index("</tr>", section.index("qn03801m"))]
    far = section[section.index('id="neighbourhood-qn03802m"') : section.index("</tr>", section.index("qn03802m"))]
    assert "Pépinière du centre" in near and "4,5 km" in near and "desservie (un espace à moins de 5 km)" in near
    assert "non desservie (aucun espace à moins de 5 km)" in far
