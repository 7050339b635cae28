import pytest
from django.core.management import call_command
from django.urls import reverse

from messages_app.models import Answer, Message
from portal.selectors import public_messages, search
from tests.factories import public_message, staff_user


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def test_korean_search_finds_inflected_and_compound_forms(seeded):
    a = public_message("지하철이 너무 늦게 와요")
    b = public_message("지하철역에서 엘리베이터가 고장났어요")
    c = public_message("버스 정류장이 더러워요")
    found = set(search(public_messages(), "지하철").values_list("pk", flat=True))
    assert found == {a.pk, b.pk}
    assert set(search(public_messages(), "엘리베이터 고장").values_list("pk", flat=True)) == {b.pk}
    assert not search(public_messages(), "?!").exists()
    assert c.pk in set(search(public_messages(), "정류장").values_list("pk", flat=True))


def test_search_covers_answers_and_only_public_messages(client, seeded):
    m = public_message("불편 신고합니다", answer="따릉이 대여소를 옮겼습니다")
    public_message("따릉이 비밀 쪽지", kind="direct")
    page = client.get(reverse("search"), {"q": "따릉이"}).content.decode()
    assert f"/m/{m.pk}/" in page and "비밀 쪽지" not in page
    assert "검색 결과 1건" in page
    assert "검색 결과가 없습니다" in client.get(reverse("search"), {"q": "없는낱말"}).content.decode()
    assert "검색어를 입력해 주세요" in client.get(reverse("search")).content.decode()


def test_reindex_command_rebuilds_vectors(seeded):
    m = public_message("한강공원 쓰레기", answer="청소를 늘리겠습니다", index=False)
    assert Message.objects.get(pk=m.pk).search_vector is None
    call_command("reindex_search", "--missing")
    assert Message.objects.get(pk=m.pk).search_vector is not None
    assert Answer.objects.get(message=m).search_vector is not None
    assert search(public_messages(), "청소").filter(pk=m.pk).exists()


def test_an_answer_written_by_staff_is_searchable_at_once(client, seeded):
    from messages_app.services import publishing

    m = public_message("정류장 안내가 부족해요")
    publishing.create_answer(m, staff_user(), "정류장마다 노선 안내판을 설치하겠습니다", m.division)
    html = client.get("/search/", {"q": "안내판"}).content.decode()
    assert f"/m/{m.pk}/" in html
