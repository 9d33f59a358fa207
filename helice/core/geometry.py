"""Plane geometry on longitude/latitude, without Django: the centroid of a
polygon's outline. At the size of a commune or a neighbourhood the planar
approximation in degrees moves a centroid far less than a map marker. Used by
the priority neighbourhoods' import (spaces/neighbourhoods.py) and by
scripts/extract_communes.py."""

from __future__ import annotations


def ring_moments(ring) -> tuple[float, float, float]:
    """Signed area and first moments (x, y) of a closed ring of (x, y) points
    (shoelace formula); the centroid is (mx / area, my / area)."""
    area = mx = my = 0.0
    for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], *ring[:1]], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        mx += (x0 + x1) * cross
        my += (y0 + y1) * cross
    return area / 2, mx / 6, my / 6


def polygon_centroid(polygons) -> tuple[float, float]:
    """(x, y) of the centroid of a multipolygon given as a list of polygons, each a
    list of rings (the outer one first, then its holes): holes taken out, parts
    weighted by their area, whatever the rings' winding order. The mean of the
    vertices when the outline has no area."""
    total = mx = my = 0.0
    for rings in polygons:
        for index, ring in enumerate(rings):
            area, ring_mx, ring_my = ring_moments(ring)
            # The outer ring adds, holes take away; the moments' sign follows the area's.
            sign = (1 if area >= 0 else -1) * (1 if index == 0 else -1)
            total += abs(area) * (1 if index == 0 else -1)
            mx += ring_mx * sign
            my += ring_my * sign
    if abs(total) < 1e-14:
        vertices = [point for rings in polygons for ring in rings for point in ring]
        return sum(p[0] for p in vertices) / len(vertices), sum(p[1] for p in vertices) / len(vertices)
    return mx / total, my / total
