"""The anonymous page cache forgets a message's pages the moment the message stops being public or
its answer changes: hidden by its author or by staff, made private, deleted, answer edited."""

import pytest
from django.test import Client
from django.urls import reverse

from messages_app.models import Answer, Message
from messages_app.services import workflow
from tests.factories import citizen, public_message, staff_user

TEXT = "따릉이 대여소 자전거가 모두 고장났어요"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 30


def _pages(message):
    return ["/", reverse("message", args=[message.pk]), reverse("search") + "?q=따릉이"]


def _cached_for_anonymous(message, django_assert_num_queries):
    """Every page that shows the message, fetched once and then proven to come from the cache."""
    anonymous = Client()
    for url in _pages(message):
        assert TEXT in anonymous.get(url).content.decode(), url
    with django_assert_num_queries(0):
        for url in _pages(message):
            assert TEXT in anonymous.get(url).content.decode(), url
    return anonymous


def _shows(anonymous, url, text=TEXT) -> bool:
    response = anonymous.get(url)
    return response.status_code == 200 and text in response.content.decode()


def test_a_message_hidden_by_its_author_leaves_every_cached_page_at_once(seeded, django_assert_num_queries):
    author = citizen()
    message = public_message(TEXT, citizen=author, kind="web", platform="web", account=None)
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)

    author_client = Client()
    author_client.force_login(author)
    assert author_client.post(reverse("hide_message", args=[message.pk])).status_code == 302

    assert anonymous.get(reverse("message", args=[message.pk])).status_code == 404
    assert not _shows(anonymous, "/")
    assert not _shows(anonymous, reverse("search") + "?q=따릉이")


def _staff_hides(message):
    workflow.hide(message, actor=staff_user())


def _made_private(message):
    message.is_private = True
    message.save()


def _deleted(message):
    Message.objects.get(pk=message.pk).delete()


@pytest.mark.parametrize("change", [_staff_hides, _made_private, _deleted])
def test_a_message_withdrawn_by_staff_leaves_every_cached_page_at_once(seeded, django_assert_num_queries, change):
    message = public_message(TEXT)
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)
    change(message)
    for url in _pages(message):
        assert not _shows(anonymous, url), url


def test_an_edited_answer_replaces_the_cached_one(seeded, django_assert_num_queries):
    message = public_message(TEXT, answer="담당자가 내일 현장에 나가 확인하겠습니다")
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)
    answer = Answer.objects.get(message=message)
    answer.text = "대여소 자전거를 모두 교체했습니다"
    answer.save()
    for url in _pages(message)[:2]:
        page = anonymous.get(url).content.decode()
        assert "현장에 나가" not in page and "모두 교체했습니다" in page, url


def test_a_hidden_comment_leaves_the_cached_message_page(seeded, django_assert_num_queries):
    from portal.services import add_comment, moderate_delete_comment

    message = public_message(TEXT)
    comment = add_comment(citizen(), message, "욕설이 섞인 댓글입니다")
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)
    assert _shows(anonymous, reverse("message", args=[message.pk]), "욕설이 섞인 댓글")
    moderate_delete_comment(staff_user(), comment)
    assert not _shows(anonymous, reverse("message", args=[message.pk]), "욕설이 섞인 댓글")


def test_another_message_changing_keeps_this_message_page_cached(seeded, django_assert_num_queries):
    message = public_message(TEXT)
    other = public_message("버스 정류장 의자가 부서졌어요")
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)
    _staff_hides(other)
    with django_assert_num_queries(0):
        assert _shows(anonymous, reverse("message", args=[message.pk]))


def test_a_cached_page_costs_one_cache_round_trip_banner_included(seeded, django_assert_num_queries, monkeypatch):
    """The page, its generations and the emergency banner come in one MGET: no query, no second read."""
    from django.core.cache import cache

    message = public_message(TEXT)
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)  # the banner fragment is cached too
    reads = []
    for name in ("get", "get_many", "has_key", "ttl"):
        original = getattr(cache, name)
        monkeypatch.setattr(cache, name, lambda *a, _n=name, _o=original, **k: reads.append(_n) or _o(*a, **k))
    for url in _pages(message):
        reads.clear()
        with django_assert_num_queries(0):
            assert TEXT in anonymous.get(url).content.decode(), url
        assert reads == ["get_many"], (url, reads)


def test_anonymous_visitors_share_one_copy_with_no_csrf_token_in_it(seeded, django_assert_num_queries):
    """No per-visitor token on an anonymous page: two visitors get the very same bytes, no CSRF cookie
    is made for them, and a logged-in citizen's copy still carries their own token."""
    message = public_message(TEXT)
    for url in _pages(message):
        first, second = Client(), Client()
        a, b = first.get(url), second.get(url)
        assert a.status_code == b.status_code == 200, url
        assert a.content == b.content, url
        assert b"csrfmiddlewaretoken" not in a.content and b"NOTPROVIDED" not in a.content, url
        assert "csrftoken" not in a.cookies and "csrftoken" not in b.cookies, url
    member = Client()
    member.force_login(citizen())
    page = member.get(reverse("message", args=[message.pk]))
    assert b"csrfmiddlewaretoken" in page.content and "csrftoken" in page.cookies


def _aged(seconds=31):
    """The page copies (30 s fresh) are past their freshness; Redis, on real time, still holds them."""
    import time

    import time_machine

    return time_machine.travel(time.time() + seconds, tick=False)


def test_an_aged_copy_is_rendered_again_by_one_visitor_while_the_others_get_it(seeded, django_assert_num_queries):
    from django.core.cache import cache

    first = public_message(TEXT)
    later = public_message("새로 올라온 질문입니다", posted_at=first.posted_at, status="received")
    anonymous = _cached_for_anonymous(first, django_assert_num_queries)
    # Public now, as the ingest's bulk statements make new messages: no copy is retired for it.
    Message.objects.filter(pk=later.pk).update(status="assigned")
    [key] = cache.keys("portal:page:feed:*:anon:*")
    with _aged():
        cache.add(key + ":renewing", 1, timeout=10)  # another web process is rendering the feed now
        with django_assert_num_queries(0):
            assert not _shows(anonymous, "/", "새로 올라온 질문입니다")  # the aged copy, not a second render
        cache.delete(key + ":renewing")
        assert _shows(anonymous, "/", "새로 올라온 질문입니다")  # the first to ask renders it again
        with django_assert_num_queries(0):
            assert _shows(anonymous, "/", "새로 올라온 질문입니다")  # fresh again, for everyone
    assert not cache.get(key + ":renewing")


def test_a_withdrawn_message_is_never_served_from_an_aged_copy(seeded, django_assert_num_queries):
    from django.core.cache import cache

    message = public_message(TEXT)
    anonymous = _cached_for_anonymous(message, django_assert_num_queries)
    [key] = cache.keys("portal:page:feed:*:anon:*")
    with _aged():
        cache.add(key + ":renewing", 1, timeout=10)
        _staff_hides(message)
        assert not _shows(anonymous, "/")
