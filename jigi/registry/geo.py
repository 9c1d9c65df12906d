"""Is a GPS point inside Mali? Ray casting over the simplified OCHA region outlines."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

Ring = list[tuple[float, float]]


@cache
def _region_rings() -> list[tuple[tuple[float, float, float, float], list[Ring]]]:
    """Each polygon as (bounding box, rings); the first ring is the outline, the rest holes."""
    text = (
        resources.files("jigi.registry") / "data" / "mali_admin1_simplified.geojson"
    ).read_text()
    polygons: list[tuple[tuple[float, float, float, float], list[Ring]]] = []
    for feature in json.loads(text)["features"]:
        geometry = feature["geometry"]
        parts = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        for part in parts:
            rings = [[(float(x), float(y)) for x, y in ring] for ring in part]
            xs = [x for x, _y in rings[0]]
            ys = [y for _x, y in rings[0]]
            polygons.append(((min(xs), min(ys), max(xs), max(ys)), rings))
    return polygons


def _inside_ring(x: float, y: float, ring: Ring) -> bool:
    inside = False
    previous_x, previous_y = ring[-1]
    for current_x, current_y in ring:
        if (current_y > y) != (previous_y > y):
            crossing = (previous_x - current_x) * (y - current_y) / (
                previous_y - current_y
            ) + current_x
            if x < crossing:
                inside = not inside
        previous_x, previous_y = current_x, current_y
    return inside


def is_in_mali(latitude: float, longitude: float) -> bool:
    for (min_x, min_y, max_x, max_y), rings in _region_rings():
        if not (min_x <= longitude <= max_x and min_y <= latitude <= max_y):
            continue
        if _inside_ring(longitude, latitude, rings[0]) and not any(
            _inside_ring(longitude, latitude, hole) for hole in rings[1:]
        ):
            return True
    return False
