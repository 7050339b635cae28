import pytest
from django.db import connection

from textkit import korean


def test_noun_found_in_inflected_and_compound_forms():
    assert "지하철" in korean.search_terms(korean.analyze("지하철이 너무 늦게 와요"))
    assert "지하철" in korean.search_terms(korean.analyze("지하철역에서 엘리베이터가 고장났어요"))


def test_analyze_batch_keeps_order_and_handles_empty_items():
    out = korean.analyze_batch(["버스가 안 와요", "", "   ", "공원 좋아요"])
    assert len(out) == 4
    assert ("버스", "NNG") in out[0]
    assert out[1] == [] and out[2] == []
    assert ("공원", "NNG") in out[3]


def test_stems_latin_numbers_and_hashtags():
    terms = korean.search_terms(korean.analyze("#따릉이고장 Seoul 2호선 고쳐주세요 @seoulmania"))
    assert "따릉이고장" in terms  # the hashtag word itself
    assert "고장" in terms  # and its parts, so a search for 고장 finds it
    assert "seoul" in terms  # SL lowercased
    assert "2" in terms
    assert "고치" in terms  # VV stem of 고쳐
    assert "주세요" not in terms and "@seoulmania" not in terms


def test_hostile_input_does_not_crash():
    assert korean.analyze_batch([""]) == [[]]
    assert korean.analyze(None) == []
    assert korean.search_document("\x00\x01\x02\x1b[31m") in ("", "31", "m", "31 m")
    huge = "서울시 교통 " * 20000  # ~140 KB
    pairs = korean.analyze(huge)
    assert pairs and sum(len(f) for f, _ in pairs) <= korean.MAX_CHARS
    assert "\x00" not in korean.search_document("버스\x00정류장")
    assert korean.search_query("") == ""
    assert korean.search_query("?!... ㅋㅋㅋ") == ""


def test_search_query_quotes_every_term():
    q = korean.search_query("지하철역 고장")
    assert q == "('지하철역' | '지하철' & '역') & '고장'"


@pytest.mark.parametrize("hostile", [
    "a'b", "a\\b", "x & y | !z", "(a) <-> b:*", "'; drop table x; --", "\\'", "#it's_ok",
])
def test_search_query_escaping_is_valid_tsquery(db, hostile):
    q = korean.search_query(hostile)
    with connection.cursor() as cur:
        cur.execute("select to_tsquery('simple', %s)::text", [q or "x"])
        assert cur.fetchone()[0]


def test_document_and_query_match_in_postgres(db):
    doc = korean.search_document("지하철역에서 에스컬레이터가 멈췄어요 #안전 https://t.co/x")
    with connection.cursor() as cur:
        for q, expected in [("지하철이", True), ("에스컬레이터", True), ("안전", True), ("버스", False)]:
            cur.execute("select to_tsvector('simple', %s) @@ to_tsquery('simple', %s)",
                        [doc, korean.search_query(q)])
            assert cur.fetchone()[0] is expected, q


def test_compound_noun_matches_both_ways(db):
    # Kiwi keeps "지하철역" whole when alone but splits "지하철역에서": both must find each other.
    docs = [korean.search_document("지하철역 고장"), korean.search_document("지하철역에서 만나요")]
    with connection.cursor() as cur:
        for doc in docs:
            for q in ("지하철역", "지하철", "지하철역에서"):
                cur.execute("select to_tsvector('simple', %s) @@ to_tsquery('simple', %s)",
                            [doc, korean.search_query(q)])
                assert cur.fetchone()[0], (doc, q)


def test_early_analysis_gives_what_one_batch_gives():
    """A poll hands Kiwi each page as it arrives; the ingest must get exactly the batch analysis."""
    pages = [["지하철역 엘리베이터가 고장났어요", "눈이 많이 와서 도로가 미끄러워요"],
             ["", "지하철역 엘리베이터가 고장났어요", "#따릉이고장 신고합니다"]]
    never_added = "공원 화장실이 더러워요"
    texts = [t for page in pages for t in page] + [never_added, "  \x00\u202e눈길 조심하세요"]
    early = korean.EarlyAnalysis()
    try:
        for page in pages:
            early.add(page)
        got = early.analyze_batch(texts)
    finally:
        early.close()
    assert got == korean.analyze_batch(texts)
    assert ("공원", "NNG") in got[len(texts) - 2]  # analysed then, though never added
    assert got[0] is not got[3]  # the same text twice: two lists, as from analyze_batch


def test_early_analysis_falls_back_when_the_background_fails(monkeypatch):
    real = korean.analyze_batch
    calls = []

    def failing_once(texts):
        calls.append(list(texts))
        if len(calls) == 1:
            raise RuntimeError("Kiwi failed")
        return real(texts)

    monkeypatch.setattr(korean, "analyze_batch", failing_once)
    early = korean.EarlyAnalysis()
    early.add(["버스가 안 와요"])
    got = early.analyze_batch(["버스가 안 와요"])
    early.close()
    assert ("버스", "NNG") in got[0]
    assert calls == [["버스가 안 와요"], ["버스가 안 와요"]]  # failed early, analysed with the batch


def test_early_analysis_without_any_page_is_the_batch_analysis():
    early = korean.EarlyAnalysis()
    assert early.analyze_batch(["버스가 안 와요", ""]) == korean.analyze_batch(["버스가 안 와요", ""])
    early.close()
    early.close()  # harmless twice
