"""Reading the State's list of priority neighbourhoods (quartiers prioritaires
de la politique de la ville) from the ANCT's GeoJSON file of their outlines
(data.gouv.fr, "Quartiers prioritaires de la politique de la ville (QPV)", the
version in WGS84 longitude/latitude, EPSG:4326). Nothing is downloaded: an
operator gives the file to ``manage.py import_priority_neighbourhoods``.

Only what the file says is kept: each neighbourhood's code, name, communes
(INSEE codes) and the centroid of its outline."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from helice.core.geometry import polygon_centroid

# The property names of the ANCT's 2024 file; another vintage may name them
# otherwise (the command takes them as options).
DEFAULT_FIELDS = {"code": "code_qp", "name": "lib_qp", "communes": "insee_com"}
WGS84_NAMES = ("urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326", "EPSG:4326", "CRS84")
MAX_FILE_BYTES = 200 * 1024 * 1024
CODE_MAX_LENGTH = 20  # models.PriorityNeighbourhood.code  # the national file is a few tens of megabytes


class NeighbourhoodFileError(ValueError):
    """The file cannot be read as the list of priority neighbourhoods (the
    message says why, for the operator)."""


@dataclass(frozen=True)
class Neighbourhood:
    code: str
    name: str
    communes: tuple[str, ...]
    latitude: float
    longitude: float


def _points(geometry) -> list[list[list[tuple[float, float]]]]:
    """The polygons of a Polygon or MultiPolygon geometry, as lists of rings of
    (longitude, latitude), each coordinate checked."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise NeighbourhoodFileError(_("a neighbourhood's geometry is not a polygon"))
    polygons = geometry.get("coordinates")
    if geometry["type"] == "Polygon":
        polygons = [polygons]
    result = []
    try:
        for polygon in polygons:
            rings = []
            for ring in polygon:
                points = [(float(point[0]), float(point[1])) for point in ring]
                for lon, lat in points:
                    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90):
                        raise NeighbourhoodFileError(
                            _(
                                "the coordinates are not longitudes and latitudes (EPSG:4326): use the "
                                "file's WGS84 version, not the Lambert-93 one"
                            )
                        )
                if len(points) < 3:
                    raise NeighbourhoodFileError(_("a ring of a neighbourhood's outline has fewer than 3 points"))
                rings.append(points)
            if rings:
                result.append(rings)
    except (TypeError, IndexError, ValueError) as exc:
        if isinstance(exc, NeighbourhoodFileError):
            raise
        raise NeighbourhoodFileError(_("a neighbourhood's outline is malformed")) from exc
    if not result:
        raise NeighbourhoodFileError(_("a neighbourhood has an empty outline"))
    return result


def centroid(geometry) -> tuple[float, float]:
    """(latitude, longitude) of the centroid of a Polygon or MultiPolygon (holes
    taken out, parts weighted by their area; ``core.geometry``)."""
    lon, lat = polygon_centroid(_points(geometry))
    return lat, lon


def _communes(value) -> tuple[str, ...]:
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str | int):
        items = re.split(r"[\s,;|/]+", str(value))
    else:
        items = []
    return tuple(code for code in (item.strip() for item in items) if code)


def read(path, fields: dict[str, str] | None = None) -> list[Neighbourhood]:
    """Every neighbourhood of the file, or NeighbourhoodFileError saying why the
    file cannot be used (nothing is partly read)."""
    fields = {**DEFAULT_FIELDS, **(fields or {})}
    path = Path(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise NeighbourhoodFileError(_("the file is larger than 200 MB"))
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NeighbourhoodFileError(_("the file cannot be read: %(error)s") % {"error": exc.strerror}) from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise NeighbourhoodFileError(_("the file is not GeoJSON (JSON in UTF-8)")) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise NeighbourhoodFileError(_("the file is not a GeoJSON FeatureCollection"))
    crs = ((data.get("crs") or {}).get("properties") or {}).get("name") if isinstance(data.get("crs"), dict) else None
    if crs and crs not in WGS84_NAMES:
        raise NeighbourhoodFileError(
            _("the file's coordinates are in %(crs)s: use the version in WGS84 longitude/latitude (EPSG:4326)")
            % {"crs": crs}
        )
    result: dict[str, Neighbourhood] = {}
    for number, feature in enumerate(data["features"], start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            raise NeighbourhoodFileError(_("feature %(number)d has no properties") % {"number": number})
        values = {key: properties.get(name) for key, name in fields.items()}
        missing = [fields[key] for key in ("code", "name", "communes") if values[key] in (None, "", [])]
        if missing:
            raise NeighbourhoodFileError(
                _("feature %(number)d has no “%(field)s” property") % {"number": number, "field": missing[0]}
            )
        code, name = str(values["code"]).strip(), str(values["name"]).strip()
        if len(code) > CODE_MAX_LENGTH:
            raise NeighbourhoodFileError(
                _("feature %(number)d: the code “%(code)s” is longer than %(max)d characters: is it the code property?")
                % {"number": number, "code": code[:40], "max": CODE_MAX_LENGTH}
            )
        try:
            lat, lon = centroid(feature.get("geometry"))
        except NeighbourhoodFileError as exc:
            raise NeighbourhoodFileError(f"{code}: {exc}") from exc
        if code in result:
            raise NeighbourhoodFileError(_("the code %(code)s appears twice") % {"code": code})
        result[code] = Neighbourhood(code, name[:200], _communes(values["communes"]), lat, lon)
    return list(result.values())
