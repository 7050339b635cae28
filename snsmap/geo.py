"""The district map: Seoul's 25 districts projected server-side into SVG paths, once per process.

Equirectangular projection with the longitude scaled by cos(latitude) at the city's middle: over
the 30 km of Seoul this is within a fraction of a pixel of a proper conformal projection, and it
needs no GIS library, no tile server and no network.
"""

import functools
import json
import math
from dataclasses import dataclass

from textkit.places import DISTRICTS_FILE

WIDTH = 600.0  # viewBox width; the height follows the city's shape
PAD = 8.0


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    name_en: str
    path: str  # SVG path data
    label_x: float
    label_y: float


@dataclass(frozen=True)
class CityMap:
    width: float
    height: float
    shapes: tuple[Shape, ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width:.0f} {self.height:.0f}"


def _rings(geometry: dict) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return geometry["coordinates"]
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    raise ValueError(f"unexpected geometry {geometry['type']}")


def _centroid(ring: list[tuple[float, float]]) -> tuple[float, float]:
    """Area centroid of a closed ring (shoelace); the vertex mean when it is degenerate."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-9:
        return sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return cx / (3 * area), cy / (3 * area)


@functools.cache
def city_map() -> CityMap:
    with open(DISTRICTS_FILE, encoding="utf-8") as f:
        features = json.load(f)["features"]
    points = [pt for feature in features for ring in _rings(feature["geometry"]) for pt in ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    kx = math.cos(math.radians((min_lat + max_lat) / 2))
    scale = (WIDTH - 2 * PAD) / ((max_lon - min_lon) * kx)
    height = (max_lat - min_lat) * scale + 2 * PAD

    def project(lon, lat):
        return PAD + (lon - min_lon) * kx * scale, PAD + (max_lat - lat) * scale

    shapes = []
    for feature in features:
        props = feature["properties"]
        parts, largest = [], []
        for ring in _rings(feature["geometry"]):
            xy = [project(lon, lat) for lon, lat in ring]
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
            if len(xy) > len(largest):
                largest = xy
        label_x, label_y = _centroid(largest)
        shapes.append(Shape(props["code"], props["name"], props["name_eng"], "".join(parts),
                            round(label_x, 1), round(label_y, 1)))
    shapes.sort(key=lambda s: s.name)  # Tab order: the districts in 가나다 order, as in the table
    return CityMap(WIDTH, round(height, 1), tuple(shapes))
