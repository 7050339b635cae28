"""textkit.places: districts and neighbourhoods named in a message, from the analysis made at ingest."""

from pathlib import Path

import pytest

from textkit import korean, places

LABELLED = Path(__file__).with_name("places_labelled.tsv")


def _labelled():
    rows = []
    for line in LABELLED.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        district, neighbourhood, text = line.split("\t")
        rows.append((district, neighbourhood, text))
    return rows


def _where(text: str) -> places.Place:
    return places.locate(korean.analyze(text))


def _names(place: places.Place) -> tuple[str, str]:
    return places.district_name(place.district) or "-", places.neighbourhood_name(place.neighbourhood) or "-"


def test_district_recognition_precision_and_recall_on_the_labelled_set():
    rows = _labelled()
    assert len(rows) >= 200
    assert sum(1 for d, _, _ in rows if d == "-") >= 50  # messages without a place and traps
    analysed = korean.analyze_batch([text for _, _, text in rows])
    tp = fp = fn = hood_right = hood_gold = 0
    misses = []
    for (district, neighbourhood, text), pairs in zip(rows, analysed, strict=True):
        got_district, got_hood = _names(places.locate(pairs))
        if got_district != "-":
            tp += got_district == district
            fp += got_district != district
        if district != "-" and got_district != district:
            fn += 1
        if neighbourhood != "-":
            hood_gold += 1
            hood_right += got_hood == neighbourhood
        if (got_district, got_hood) != (district, neighbourhood):
            misses.append(f"  expected {district}/{neighbourhood}, got {got_district}/{got_hood}: {text}")
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nplaces: {len(rows)} labelled messages; district precision {precision:.3f}, recall {recall:.3f}; "
          f"neighbourhood {hood_right}/{hood_gold} named ones found")
    print("\n".join(misses))
    assert precision >= 0.95
    assert recall >= 0.85


@pytest.mark.parametrize(("text", "expected"), [
    ("중앙차로 버스가 늦어요", ("-", "-")),
    ("중구청 앞 집회", ("중구", "-")),
    ("중구난방 공사", ("-", "-")),
    ("강서구청역 근처 버스정류장", ("강서구", "-")),  # no such station: 강서구청 is enough
    ("동대문 시장 주차", ("종로구", "-")),
    ("동대문구청 민원실", ("동대문구", "-")),
    ("동대문 쪽 버스", ("-", "-")),
    ("신촌 대학가 원룸", ("-", "-")),
    ("신촌동 주민입니다", ("서대문구", "신촌동")),
    ("신촌역 앞 불법주차", ("마포구", "-")),
    ("서대문역 출구", ("종로구", "-")),
    ("화곡1동 주민센터", ("강서구", "화곡1동")),
    ("화곡동 골목 가로등", ("강서구", "-")),
    ("기계 동작이 이상해요", ("-", "-")),
    ("능동적으로 대처해 주세요", ("-", "-")),
    ("부산 중구 자갈치시장", ("-", "-")),
    ("중랑천 산책로", ("-", "-")),
])
def test_traps(text, expected):
    assert _names(_where(text)) == expected


def test_a_name_in_several_districts_needs_a_district_nearby():
    assert _where("신사동 골목 쓰레기").district == ""
    assert _names(_where("관악구 신사동 골목 쓰레기")) == ("관악구", "신사동")
    assert _names(_where("은평구 신사동 골목 쓰레기")) == ("은평구", "-")  # 신사1동 or 신사2동
    assert _where("강남 신사동 골목 쓰레기").district == "11230"
    # Two districts named: the ambiguous name still resolves only to one of them.
    assert _where("마포구 사는데 신사동 골목 쓰레기").district == "11140"


def test_the_most_named_district_wins_and_ties_go_to_the_first():
    assert _where("강남역에서 타서 잠실역에서 내렸는데 잠실역 엘리베이터가 고장").district == "11240"
    assert _where("노원에서 도봉까지 버스").district == "11110"


def test_the_data_is_complete_and_consistent():
    assert len(places.DISTRICTS) == 25 and len(places.neighbourhoods()) == 423
    assert all(n.district in places.DISTRICTS for n in places.neighbourhoods().values())
    assert places.district_code("강남구") == places.district_code("강남") == places.district_code("11230") == "11230"
    assert places.district_code("Gangnam-gu") == "11230" and places.district_code("해운대구") is None
    rows = places._read_gazetteer()
    stations = [name for kind, name, _ in rows if kind == "station"]
    assert len(stations) >= 200 and len(stations) == len(set(stations))
    assert {"강남", "잠실", "시청", "종로3가", "여의도", "신림", "김포공항"} <= set(stations)


def test_no_text_no_place():
    assert places.locate([]) == places.NOWHERE
    assert _where("") == places.NOWHERE
