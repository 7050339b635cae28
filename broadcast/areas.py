"""Seoul's 25 districts (자치구): codes, names and simplified shapes, for a broadcast's area.

Read once from data/seoul_municipalities_geo_simple.json (KOSTAT 2013 boundaries, see data/README.md).
The CAP polygons are simplified further (Douglas-Peucker, about 200 m): an alert's area is a district,
not a survey, and a city-wide alert carries the city's outline (the districts' shared borders
cancel out) instead of 25 polygons.
"""

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The one copy of the district shapes, shared with the SNS map and Open311 (data/README.md).
DATA = Path(__file__).resolve().parent.parent / "data" / "seoul_municipalities_geo_simple.json"
# CAP geocode valueName of the codes (KOSTAT's 5-digit administrative district codes).
GEOCODE_NAME = "KOSTAT"
SEOUL_CODE = "11"  # KOSTAT's code of Seoul itself (its districts' codes begin with it)
WHOLE_CITY_KO, WHOLE_CITY_EN = "서울특별시 전역", "All of Seoul"
SHORT_CITY_KO, SHORT_CITY_EN = "서울 전역", "All of Seoul"
# Tolerance of the CAP polygons, in degrees of latitude (0.002° ≈ 220 m).
CAP_TOLERANCE = 0.002
KX = math.cos(math.radians(37.55))  # a degree of longitude is shorter than one of latitude at Seoul

Point = tuple[float, float]


def _cap_text(ring) -> str:
    """CAP 1.2 polygon: "lat,lon" pairs separated by spaces, closed (first point == last)."""
    return " ".join(f"{lat:.4f},{lon:.4f}" for lon, lat in ring)


def _distance(p: Point, a: Point, b: Point) -> float:
    """From p to the segment a-b, in degrees of latitude."""
    (x, y), (x1, y1), (x2, y2) = (p[0] * KX, p[1]), (a[0] * KX, a[1]), (b[0] * KX, b[1])
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def _douglas_peucker(points: list[Point], tolerance: float) -> list[Point]:
    if len(points) < 3:
        return points
    far, distance = max(((i, _distance(points[i], points[0], points[-1])) for i in range(1, len(points) - 1)),
                        key=lambda item: item[1])
    if distance <= tolerance:
        return [points[0], points[-1]]
    return _douglas_peucker(points[:far + 1], tolerance)[:-1] + _douglas_peucker(points[far:], tolerance)


def simplify(ring: tuple[Point, ...], tolerance: float = CAP_TOLERANCE) -> tuple[Point, ...]:
    """A closed ring with fewer points, never fewer than CAP's four (a triangle, closed)."""
    out = ring
    while tolerance > 1e-6:
        out = tuple(_douglas_peucker(list(ring), tolerance))
        if len(out) >= 4:
            return out
        tolerance /= 2
    return ring


@dataclass(frozen=True)
class District:
    code: str
    name_ko: str
    name_en: str
    ring: tuple[tuple[float, float], ...]  # (lon, lat), first point repeated at the end

    def cap_polygon(self) -> str:
        return _cap_text(simplify(self.ring))


@cache
def districts() -> dict[str, District]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    out = {}
    for feature in data["features"]:
        props, geometry = feature["properties"], feature["geometry"]
        ring = tuple((float(lon), float(lat)) for lon, lat in geometry["coordinates"][0])
        if ring[0] != ring[-1]:
            ring = ring + (ring[0],)
        out[props["code"]] = District(props["code"], props["name"], props["name_eng"], ring)
    return dict(sorted(out.items(), key=lambda kv: kv[1].name_ko))


def choices() -> list[tuple[str, str]]:
    return [(d.code, f"{d.name_ko} ({d.name_en})") for d in districts().values()]


def selected(codes) -> list[District]:
    """The districts of `codes` (all 25 when empty: the whole city), in name order."""
    table = districts()
    wanted = set(codes or [])
    return [d for code, d in table.items() if not wanted or code in wanted]


def describe(codes, language: str = "ko") -> str:
    if not codes:
        return WHOLE_CITY_KO if language == "ko" else WHOLE_CITY_EN
    names = [d.name_ko if language == "ko" else d.name_en for d in selected(codes)]
    return ", ".join(names)


def short(codes, language: str = "ko") -> str:
    """The area as a headline names it: "강남구·종로구", "서울 전역", or for most of the city the few
    districts left out ("서울 전역(중구 제외)"), so it stays short enough for an X post."""
    ko = language == "ko"
    chosen = {d.code for d in selected(codes)}
    everything = districts()
    if not codes or len(chosen) == len(everything):
        return SHORT_CITY_KO if ko else SHORT_CITY_EN
    if len(chosen) > len(everything) / 2:
        left_out = [(d.name_ko if ko else d.name_en) for c, d in everything.items() if c not in chosen]
        return f"서울 전역({'·'.join(left_out)} 제외)" if ko else f"All of Seoul except {', '.join(left_out)}"
    names = [(d.name_ko if ko else d.name_en) for c, d in everything.items() if c in chosen]
    return "·".join(names) if ko else ", ".join(names)


def cap_areas(codes) -> tuple[list[str], list[str]]:
    """(polygons, geocodes) of a CAP area: the city's outline and Seoul's code for the whole city, one
    simplified polygon and one code per district otherwise."""
    if not codes or len(set(codes)) == len(districts()):
        return [_cap_text(simplify(city_outline()))], [SEOUL_CODE]
    chosen = selected(codes)
    return [d.cap_polygon() for d in chosen], [d.code for d in chosen]


@cache
def city_outline() -> tuple[Point, ...]:
    """Seoul's boundary: the districts' edges that only one district has (shared borders cancel)."""
    edges: Counter = Counter()
    for district in districts().values():
        for a, b in zip(district.ring, district.ring[1:], strict=False):
            if a != b:
                edges[frozenset((a, b))] += 1
    neighbours = defaultdict(list)
    for edge, count in edges.items():
        if count == 1:
            a, b = tuple(edge)
            neighbours[a].append(b)
            neighbours[b].append(a)
    # Walk the boundary from its westernmost point (the data's outline is one simple ring).
    start = min(neighbours)
    ring, previous, current = [start], None, start
    while True:
        step = next(n for n in neighbours[current] if n != previous)
        if step == start:
            break
        ring.append(step)
        previous, current = current, step
    return (*ring, start)


@dataclass(frozen=True)
class MapShape:
    code: str
    name_ko: str
    path: str  # SVG path data
    label_x: float
    label_y: float


@cache
def svg_map(width: float = 480.0, pad: float = 6.0) -> tuple[str, tuple[MapShape, ...]]:
    """(viewBox, shapes) of the district picker: equirectangular, longitude scaled by cos(latitude),
    which over Seoul's 30 km is as good as a conformal projection and needs no GIS library."""
    table = districts()
    points = [p for d in table.values() for p in d.ring]
    min_lon, max_lon = min(p[0] for p in points), max(p[0] for p in points)
    min_lat, max_lat = min(p[1] for p in points), max(p[1] for p in points)
    scale = (width - 2 * pad) / ((max_lon - min_lon) * KX)
    height = (max_lat - min_lat) * scale + 2 * pad

    def xy(point: Point) -> tuple[float, float]:
        return pad + (point[0] - min_lon) * KX * scale, pad + (max_lat - point[1]) * scale

    shapes = []
    for d in table.values():
        ring = [xy(p) for p in simplify(d.ring, 0.0005)]
        path = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring[:-1]) + "Z"
        cx, cy = sum(x for x, _ in ring[:-1]) / (len(ring) - 1), sum(y for _, y in ring[:-1]) / (len(ring) - 1)
        shapes.append(MapShape(d.code, d.name_ko, path, round(cx, 1), round(cy, 1)))
    return f"0 0 {width:.0f} {height:.0f}", tuple(shapes)
