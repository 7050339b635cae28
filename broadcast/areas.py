"""Seoul's 25 districts (자치구): codes, names and simplified shapes, for a broadcast's area.

Read once from data/seoul_municipalities_geo_simple.json (KOSTAT 2013 boundaries, see data/README.md).
"""

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# The one copy of the district shapes, shared with the SNS map and Open311 (data/README.md).
DATA = Path(__file__).resolve().parent.parent / "data" / "seoul_municipalities_geo_simple.json"
# CAP geocode valueName of the codes (KOSTAT's 5-digit administrative district codes).
GEOCODE_NAME = "KOSTAT"
WHOLE_CITY_KO, WHOLE_CITY_EN = "서울특별시 전역", "All of Seoul"


@dataclass(frozen=True)
class District:
    code: str
    name_ko: str
    name_en: str
    ring: tuple[tuple[float, float], ...]  # (lon, lat), first point repeated at the end

    def cap_polygon(self) -> str:
        """CAP 1.2 polygon: "lat,lon" pairs separated by spaces, closed (first point == last)."""
        return " ".join(f"{lat:.5f},{lon:.5f}" for lon, lat in self.ring)


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
