"""Which of Seoul's 25 districts holds a point: ray casting over the district shapes of data/
(KOSTAT 2013 boundaries, Apache-2.0, see README). Plain Python: 25 simplified polygons need no GIS."""

import functools
import json
from dataclasses import dataclass
from pathlib import Path

DISTRICTS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "seoul_municipalities_geo_simple.json"


@dataclass(frozen=True)
class District:
    code: str
    name: str
    name_en: str
    polygons: tuple  # ((outer ring, hole, ...), ...) of (lon, lat)
    bbox: tuple[float, float, float, float]


def _inside(ring, lon: float, lat: float) -> bool:
    inside = False
    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y0 > lat) != (y1 > lat) and lon < x0 + (lat - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


@functools.cache
def districts() -> tuple[District, ...]:
    with open(DISTRICTS_FILE, encoding="utf-8") as f:
        features = json.load(f)["features"]
    found = []
    for feature in features:
        geometry, props = feature["geometry"], feature["properties"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = tuple(tuple(tuple([tuple(pt) for pt in ring]) for ring in polygon) for polygon in polygons)
        points = [pt for polygon in rings for pt in polygon[0]]
        bbox = (min(p[0] for p in points), min(p[1] for p in points), max(p[0] for p in points),
                max(p[1] for p in points))
        found.append(District(props["code"], props["name"], props.get("name_eng", ""), rings, bbox))
    return tuple(found)


def district_at(lat: float, lon: float) -> District | None:
    for district in districts():
        x0, y0, x1, y1 = district.bbox
        if not (x0 <= lon <= x1 and y0 <= lat <= y1):
            continue
        for polygon in district.polygons:
            outer, holes = list(polygon[0]), polygon[1:]
            if _inside(outer, lon, lat) and not any(_inside(list(h), lon, lat) for h in holes):
                return district
    return None


def by_code(code: str) -> District | None:
    return next((d for d in districts() if d.code == code), None)


def district_named(address: str) -> District | None:
    """The district an address names ("서울 마포구 월드컵북로 400" → 마포구), when it names exactly one."""
    found = {d for d in districts() if d.name in address or (d.name_en and d.name_en.lower() in address.lower())}
    return found.pop() if len(found) == 1 else None
