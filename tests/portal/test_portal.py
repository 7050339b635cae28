import re

import pytest
from django.urls import reverse

from messages_app.models import Kind, MessageType, Status
from tests.factories import citizen, public_message


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def html(response):
    assert response.status_code == 200
    return response.content.decode()


def test_only_triaged_public_complaints_and_opinions_are_in_the_feed(client, seeded):
    shown = public_message("공개될 민원 버스정류장", type=MessageType.OPINION)
    hidden = [
        public_message("쪽지 비밀 내용", kind=Kind.DIRECT),
        public_message("비공개 지정 내용", is_private=True),
        public_message("작성자가 숨긴 내용", hidden_by_author=True),
        public_message("스팸 광고 내용", status=Status.SPAM),
        public_message("숨김 처리 내용", status=Status.HIDDEN),
        public_message("분류 전 접수 내용", status=Status.RECEIVED),
        public_message("전화 민원 내용", kind=Kind.PHONE),
    ]
    support = public_message("응원합니다 힘내세요", type=MessageType.SUPPORT)
    page = html(client.get("/"))
    assert "공개될 민원 버스정류장" in page
    assert "응원합니다" not in page
    for m in hidden:
        assert m.text not in page
        assert client.get(reverse("message", args=[m.pk])).status_code == 404
    assert "응원합니다 힘내세요" in html(client.get(reverse("support")))
    assert client.get(reverse("message", args=[support.pk])).status_code == 200
    assert client.get(reverse("message", args=[shown.pk])).status_code == 200


def test_feed_is_newest_first_paginated_and_filtered(client, seeded):
    from datetime import timedelta

    from django.utils import timezone

    from departments.models import Division

    now = timezone.now()
    for i in range(25):
        public_message(f"글번호{i:02d} 내용", posted_at=now - timedelta(hours=i), index=False, timeline=False)
    first = html(client.get("/"))
    assert first.index("글번호00") < first.index("글번호01")
    assert "글번호21" not in first  # 20 per page
    assert "글번호24" in html(client.get("/?page=2"))
    other = Division.objects.exclude(code="transport-policy").first()
    public_message("환경 관련 글", topic="environment", division=other, answer="답변드립니다")
    filtered = html(client.get(f"/?topic=environment&division={other.pk}&answered=yes"))
    assert "환경 관련 글" in filtered and "글번호00" not in filtered
    assert "환경 관련 글" not in html(client.get("/?answered=no"))
    assert "조건에 맞는 글이 없습니다" in html(client.get("/?topic=housing"))
    assert html(client.get("/?page=abc&account=x")).count('class="item"') == 20  # bad input: no crash


def test_message_page_shows_timeline_deadline_answer_and_workdays(client, seeded):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from messages_app.models import Answer

    seoul = ZoneInfo("Asia/Seoul")
    # Monday 2025-03-03 is a substitute holiday in Korea; Tue 4 and Wed 5 are working days.
    m = public_message("버스 배차 간격", answer="배차를 늘리겠습니다",
                       posted_at=datetime(2025, 2, 28, 10, tzinfo=seoul))
    Answer.objects.filter(message=m).update(created_at=datetime(2025, 3, 5, 15, tzinfo=seoul))
    page = html(client.get(reverse("message", args=[m.pk])))
    assert "처리 과정" in page and "교통정책과" in page and "배정" in page
    assert "배차를 늘리겠습니다" in page
    assert "2 근무일 만에 답변" in page
    assert f'value="http://testserver/m/{m.pk}/"' in page  # the share link

    pending = public_message("가로등이 꺼졌어요", due_at=datetime(2025, 3, 10, 18, tzinfo=seoul))
    page = html(client.get(reverse("message", args=[pending.pk])))
    assert "처리 기한" in page and "2025-03-10 18:00" in page
    assert "아직 답변하지 않았습니다" in page


PII_TEXT = ("김철용입니다. 010-1234-5678, 900101-1234567, hong.gildong@naver.com, 카드 1234-5678-9012-3456, "
            "계좌 110-123-456789, 차량 12가3456, 합정동 123-45번지")
SECRETS = ["5678", "1234567", "hong.gildong", "9012", "456789", "12가3456", "123-45", "김철용"]


def test_nothing_unmasked_in_any_public_page(client, seeded):
    m = public_message(PII_TEXT, answer=f"답변: {PII_TEXT}", author_name="김철용")
    user = citizen(display_name="박영희", nickname="골목길산책")
    from portal.services import add_comment

    add_comment(user, m, f"댓글 {PII_TEXT}")
    pages = [client.get("/"), client.get(reverse("message", args=[m.pk])),
             client.get(reverse("search") + "?q=차량"), client.get(reverse("support"))]
    client.force_login(citizen())
    pages.append(client.get(reverse("message", args=[m.pk])))
    for response in pages:
        page = html(response)
        for secret in SECRETS:
            assert secret not in page, secret
        assert "박영희" not in page
    # A comment shows its author's nickname (issue 26), never their name, masked or not.
    assert "김*용" in html(pages[1]) and "골목길산책" in html(pages[1]) and "010-****-****" in html(pages[1])


HOSTILE = ('<script>alert(1)</script><a href="javascript:alert(2)">x</a> &lt;b&gt; &amp; '
           '<img src=x onerror=alert(3)> </div></main> \x07\x1b[31m')


def test_hostile_text_renders_inert_and_intact(client, seeded):
    user = citizen()
    m = public_message(HOSTILE, answer=HOSTILE)
    from portal.services import add_comment

    add_comment(user, m, HOSTILE)
    big = public_message("큰 글 " + "가" * 100_000)
    for url in ["/", reverse("message", args=[m.pk])]:
        page = html(client.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page and 'href="javascript:' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&amp;lt;b&amp;gt; &amp;amp;" in page  # entities shown as typed, not decoded
        assert page.count("</main>") == 1
    page = html(client.get(reverse("message", args=[big.pk])))
    assert "가" * 100_000 in page


def test_security_headers_and_csrf(client, seeded):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "object-src 'none'" in csp
    m = public_message()
    csrf_client = type(client)(enforce_csrf_checks=True)
    csrf_client.force_login(citizen())
    assert csrf_client.post(reverse("like_message", args=[m.pk])).status_code == 403
    assert csrf_client.post(reverse("add_comment", args=[m.pk]), {"text": "x"}).status_code == 403


def _count_items(page):
    return len(re.findall(r'class="item"', page))


@pytest.mark.parametrize("n", [5, 50])
def test_feed_runs_a_fixed_number_of_queries(client, seeded, django_assert_max_num_queries, n):
    for i in range(n):
        public_message(f"글 {i}", answer=f"답 {i}" if i % 2 else None, index=False, timeline=False)
    client.force_login(citizen())  # the uncached, per-user path (liked state)
    with django_assert_max_num_queries(9):
        page = html(client.get("/"))
    assert _count_items(page) == min(n, 20)


@pytest.mark.parametrize("n", [5, 50])
def test_message_page_runs_a_fixed_number_of_queries(client, seeded, django_assert_max_num_queries, n):
    from portal.services import add_comment

    m = public_message("댓글 많은 글", answer="답변")
    for i in range(n):
        add_comment(citizen(), m, f"댓글 {i}")
    client.force_login(citizen())
    with django_assert_max_num_queries(9):
        page = html(client.get(reverse("message", args=[m.pk])))
    assert page.count('class="comment"') == n


def test_anonymous_feed_is_served_from_the_cache(client, seeded, settings, django_assert_num_queries):
    settings.SMC_PORTAL_CACHE_SECONDS = 30
    public_message("캐시될 글")
    assert "캐시될 글" in html(client.get("/"))
    with django_assert_num_queries(0):
        assert "캐시될 글" in html(client.get("/"))


def test_web_question_needs_login(client, seeded):
    response = client.get(reverse("ask"))
    assert response.status_code == 302 and "/auth/login/" in response["Location"]


def test_language_switch_to_english(client, seeded):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, follow=True)
    page = html(response)
    assert 'lang="en"' in page
    assert "Questions from citizens" in page and "Skip to content" in page


def test_login_page_has_labels_and_email_login(client, seeded):
    page = html(client.get(reverse("account_login")))
    assert '<label for="id_login">' in page and '<label for="id_password">' in page
    user = citizen(password="pw-시민-12345")
    response = client.post(reverse("account_login"), {"login": user.email, "password": "pw-시민-12345"})
    assert response.status_code == 302
    assert client.get(reverse("ask")).status_code == 200


def test_web_question_form_goes_into_the_pipeline(client, seeded):
    user = citizen()
    client.force_login(user)
    page = client.get(reverse("ask")).content.decode()
    assert 'name="client_token"' in page and '<label for="id_text">' in page
    token = re.search(r'name="client_token" value="([0-9a-f]+)"', page).group(1)
    data = {"text": "한강 자전거도로 포장이 깨졌어요", "client_token": token, "ask_required": "on"}
    assert client.post(reverse("ask"), data).status_code == 302
    assert client.post(reverse("ask"), data).status_code == 302  # a double submit
    from messages_app.models import Message

    assert Message.objects.filter(citizen=user, kind="web").count() == 1
    response = client.post(reverse("ask"), {"text": "짧", "ask_required": "on"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Message.objects.filter(citizen=user).count() == 1


def test_a_feed_page_fetches_its_rows_by_a_list_of_ids(seeded):
    """Not `id IN (SELECT … LIMIT 20)`: with statistics a surge old, PostgreSQL ran such a subquery once
    per feed row. The page's ids are read first, then its 20 rows by primary key."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal import selectors

    for i in range(25):
        public_message(f"글번호{i:02d} 내용", index=False, timeline=False)
    with CaptureQueriesContext(connection) as queries:
        page = selectors.FeedPaginator(selectors.public_messages(), 20).page(2)
        rows = list(page.object_list)
    assert len(rows) == 5
    assert not any("IN (SELECT" in q["sql"] and "LIMIT" in q["sql"] for q in queries)
