"""Where in Seoul a text is about: its district (자치구) and, where named, its neighbourhood (행정동).

Works on the Kiwi analysis the caller already has ((form, tag) pairs, e.g. what the ingest made for
search and classification): no second analysis. Names come from three sources in data/:
  - the 25 districts, with and without "구" ("마포구", "마포"), and "X구청";
  - the 423 행정동 (seoul_submunicipalities_geo_simple.json) by their exact name ("화곡1동") and by
    the everyday name they share ("화곡동" → 화곡1동…8동 → 강서구, no single neighbourhood);
  - seoul_gazetteer.tsv: subway stations ("X역"), areas and landmarks, and "block" names that
    give no district (streams, bridges and areas across several districts, traps such as 중구난방).

Names are matched on runs of consecutive morphemes ("잠실"+"역" → "잠실역"), longest first, so a
name inside a longer one never matches on its own ("중랑천" is not 중랑구). A bare district name or
a two-syllable name standing alone must be a proper noun (NNP): "기계 동작이" is not 동작구 and
"능동적" is not 능동. A name that exists in several districts ("신사동": 강남·관악·은평) counts only
when the text also names one of them; otherwise it gives nothing. Names right after another city
("부산 중구", "인천 중구") are not Seoul's.
"""

import functools
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
DISTRICTS_FILE = DATA_DIR / "seoul_municipalities_geo_simple.json"
NEIGHBOURHOODS_FILE = DATA_DIR / "seoul_submunicipalities_geo_simple.json"
GAZETTEER_FILE = DATA_DIR / "seoul_gazetteer.tsv"

MAX_SPAN = 12  # morphemes in one name: "종로1·2·3·4가동" is 9
_START_TAGS = {"NNP", "NNG", "NR", "SL", "SH", "SN"}
# A mention right after one of these is another city's district ("부산 중구", "대구 동구").
OTHER_CITIES = {
    "부산", "대구", "인천", "광주", "대전", "울산", "세종", "경기", "경기도", "제주", "수원", "성남", "고양",
    "용인", "부천", "안양", "안산", "과천", "의정부", "남양주", "하남", "구리", "광명", "김포", "시흥",
    *(f"{city}{suffix}" for city in ("부산", "대구", "인천", "광주", "대전", "울산")
      for suffix in ("시", "광역시")),
}


@dataclass(frozen=True)
class District:
    code: str  # KOSTAT 5 digits, e.g. "11230"
    name: str  # "강남구"
    name_en: str  # "Gangnam-gu"

    @property
    def stem(self) -> str:
        return self.name[:-1]


@dataclass(frozen=True)
class Neighbourhood:
    code: str  # 7 digits; the first 5 are the district's code
    name: str
    name_en: str

    @property
    def district(self) -> str:
        return self.code[:5]


@dataclass(frozen=True)
class Place:
    district: str = ""  # a District.code or ""
    neighbourhood: str | None = None  # a Neighbourhood.code when one is named unambiguously


NOWHERE = Place()


@dataclass(frozen=True)
class _Entry:
    districts: frozenset  # empty: a blocking name
    neighbourhoods: frozenset  # the 행정동 codes the name may mean
    kind: str  # district | stem | dong | station | place | block


def _features(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [feature["properties"] for feature in json.load(f)["features"]]


# Loaded at import: the model choices need them, and the two files are small (57 KB, 214 KB).
DISTRICTS: dict[str, District] = {
    p["code"]: District(p["code"], p["name"], p["name_eng"])
    for p in sorted(_features(DISTRICTS_FILE), key=lambda p: p["name"])
}
DISTRICT_CHOICES = [(d.code, d.name) for d in DISTRICTS.values()]
_BY_NAME = {d.name: d.code for d in DISTRICTS.values()}


@functools.cache
def neighbourhoods() -> dict[str, Neighbourhood]:
    return {p["code"]: Neighbourhood(p["code"], p["name"], p["name_eng"])
            for p in sorted(_features(NEIGHBOURHOODS_FILE), key=lambda p: p["code"])}


def district_name(code: str, language: str = "ko") -> str:
    district = DISTRICTS.get(code or "")
    if district is None:
        return ""
    return district.name_en if language == "en" else district.name


def neighbourhood_name(code: str | None, language: str = "ko") -> str:
    item = neighbourhoods().get(code or "")
    if item is None:
        return ""
    return item.name_en if language == "en" else item.name


def district_code(value: str) -> str | None:
    """A district's code from its code, its name with or without 구, or its English name; else None."""
    value = (value or "").strip()
    if value in DISTRICTS:
        return value
    for district in DISTRICTS.values():
        if value in (district.name, district.stem) or value.lower() == district.name_en.lower():
            return district.code
    return None


# "화곡1동", "상계3·4동", "성수1가1동", "면목본동" → the name people use: "화곡동", "상계동", "성수동".
_DONG_NUMBER = re.compile(r"(?:\d+(?:·\d+)*가)?(?:\d+(?:·\d+)*|본)?동$")


def everyday_name(name: str) -> str:
    return _DONG_NUMBER.sub("동", name)


def _read_gazetteer() -> list[tuple[str, str, str]]:
    rows = []
    with open(GAZETTEER_FILE, encoding="utf-8") as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            cells = [c for c in line.rstrip("\n").split("\t")]
            kind, name = cells[0].strip(), cells[1].strip()
            district = cells[2].strip() if len(cells) > 2 else ""
            if kind not in ("station", "place", "block"):
                raise ValueError(f"{GAZETTEER_FILE.name}: unknown kind {kind!r} in {line!r}")
            if kind != "block" and district not in _BY_NAME:
                raise ValueError(f"{GAZETTEER_FILE.name}: unknown district {district!r} for {name!r}")
            rows.append((kind, name, district))
    return rows


@functools.cache
def _index() -> tuple[dict[str, _Entry], frozenset[str]]:
    """name → entry, and every prefix of every name (to stop extending a run early)."""
    index: dict[str, _Entry] = {}
    for d in DISTRICTS.values():
        one = frozenset([d.code])
        index[d.name] = index[d.name + "청"] = _Entry(one, frozenset(), "district")
        if len(d.stem) >= 2:  # "중" alone is never 중구
            index[d.stem] = _Entry(one, frozenset(), "stem")
    # Neighbourhoods: exact names and everyday names; a name in two districts keeps both.
    groups: dict[str, set[str]] = {}
    for n in neighbourhoods().values():
        groups.setdefault(n.name, set()).add(n.code)
        groups.setdefault(everyday_name(n.name), set()).add(n.code)
    for name, codes in groups.items():
        if name in index:
            continue  # a district's own name wins ("중앙동" is not a district, but "성북동" ≠ "성북")
        index[name] = _Entry(frozenset(c[:5] for c in codes), frozenset(codes), "dong")
    # The gazetteer last: it corrects the generated names ("동대문" alone is a block).
    for kind, name, district in _read_gazetteer():
        districts = frozenset([_BY_NAME[district]]) if district else frozenset()
        index[name + "역" if kind == "station" else name] = _Entry(districts, frozenset(), kind)
    prefixes = frozenset(name[:i] for name in index for i in range(1, len(name) + 1))
    return index, prefixes


@dataclass(frozen=True)
class _Mention:
    position: int
    districts: frozenset
    neighbourhoods: frozenset


def mentions(pairs) -> list[_Mention]:
    """Every place named in an analysed text, in order (blocks and other cities' names left out)."""
    index, prefixes = _index()
    found = []
    n = len(pairs)
    i = 0
    while i < n:
        form, tag = pairs[i]
        if tag not in _START_TAGS or form not in prefixes:
            i += 1
            continue
        best, text = None, ""
        for j in range(i, min(n, i + MAX_SPAN)):
            text += pairs[j][0]
            if text not in prefixes:
                break
            entry = index.get(text)
            if entry is None:
                continue
            # A bare district name or a two-syllable name alone must be a proper noun.
            if j == i and (entry.kind == "stem" or len(text) <= 2) and tag != "NNP":
                continue
            best = (j, entry)
        if best is None:
            i += 1
            continue
        end, entry = best
        after_other_city = i > 0 and pairs[i - 1][0] in OTHER_CITIES
        if entry.districts and not after_other_city:
            found.append(_Mention(i, entry.districts, entry.neighbourhoods))
        i = end + 1
    return found


def locate(pairs) -> Place:
    """The district (and neighbourhood) a text is mostly about; NOWHERE when it names none.

    Several districts: the one named most often, ties to the first named. An ambiguous name counts
    only when exactly one of its districts is also named unambiguously in the text.
    """
    found = mentions(pairs)
    if not found:
        return NOWHERE
    sure = {next(iter(m.districts)) for m in found if len(m.districts) == 1}
    resolved = []
    for m in found:
        if len(m.districts) == 1:
            resolved.append((m, next(iter(m.districts))))
        else:
            candidates = m.districts & sure
            if len(candidates) == 1:
                resolved.append((m, next(iter(candidates))))
    if not resolved:
        return NOWHERE
    counts = Counter(code for _, code in resolved)
    first = {}
    for m, code in resolved:
        first.setdefault(code, m.position)
    district = max(counts, key=lambda code: (counts[code], -first[code]))
    # The first name that means exactly one 행정동 of that district ("관악구 신사동" → 관악 신사동).
    for m, code in resolved:
        inside = [c for c in m.neighbourhoods if c[:5] == district]
        if code == district and len(inside) == 1:
            return Place(district, inside[0])
    return Place(district)


def locate_many(analysed) -> list[Place]:
    return [locate(pairs) for pairs in analysed]
