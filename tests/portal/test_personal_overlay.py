"""Logged-in citizens share one rendered copy of a page; each sees only their own likes, their own
"내 글" section and edit/delete on their own comments, and nobody else's (portal.personal)."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from portal import services as portal
from tests.factories import citizen, public_message

TEXT = "청계천 산책로 조명이 꺼져 있어요"


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 30


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client, message) -> str:
    response = client.get(reverse("message", args=[message.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _pressed(html: str, key: str) -> str:
    return re.search(rf'data-like="{key}" aria-pressed="(true|false)"', html).group(1)


def _comment_actions(html: str, comment_pk: int) -> str:
    block = re.search(rf'id="comment-{comment_pk}".*?</li>', html, re.S).group(0)
    return "own" if reverse("edit_comment", args=[comment_pk]) in block else (
        "report" if reverse("report_comment", args=[comment_pk]) in block else "none")


@pytest.fixture
def scene(seeded):
    author, alice, bob = citizen("author"), citizen("alice"), citizen("bob")
    message = public_message(TEXT, citizen=author, kind="web", platform="web", account=None,
                             answer="점검 후 다시 켰습니다")
    alice_comment = portal.add_comment(alice, message, "저도 봤어요")
    bob_comment = portal.add_comment(bob, message, "어제도 꺼져 있었어요")
    portal.toggle_like(alice, message=message)
    portal.toggle_like(alice, answer=message.answer)
    return message, author, alice, bob, alice_comment, bob_comment


def test_each_citizen_sees_their_own_parts_of_one_shared_copy(scene, django_assert_max_num_queries):
    message, author, alice, bob, alice_comment, bob_comment = scene
    alice_page = _page(_client(alice), message)
    assert [key for key in cache.keys("portal:page:message:*") if ":member:" in key]

    bob_client = _client(bob)
    # Served from the shared copy: session, user, likes (and author check), no page queries.
    with django_assert_max_num_queries(4):
        bob_page = _page(bob_client, message)

    assert _pressed(alice_page, f"m{message.pk}") == "true"
    assert _pressed(alice_page, f"a{message.answer.pk}") == "true"
    assert _pressed(bob_page, f"m{message.pk}") == "false"
    assert _pressed(bob_page, f"a{message.answer.pk}") == "false"
    assert _comment_actions(alice_page, alice_comment.pk) == "own"
    assert _comment_actions(alice_page, bob_comment.pk) == "report"
    assert _comment_actions(bob_page, bob_comment.pk) == "own"
    assert _comment_actions(bob_page, alice_comment.pk) == "report"
    hide_url = reverse("hide_message", args=[message.pk])
    assert hide_url not in alice_page and hide_url not in bob_page
    assert hide_url in _page(_client(author), message)
    for html in (alice_page, bob_page):
        assert "<!--smc" not in html and "<!--/smc" not in html  # no marker, no user id leaves


def test_a_like_shows_at_once_on_the_shared_copy(scene):
    message, _author, alice, bob, *_ = scene
    bob_client = _client(bob)
    before = _page(bob_client, message)
    count = int(re.search(r'data-like="m\d+" aria-pressed="false">[^<]*<span class="like-count">(\d+)', before)
                .group(1))
    assert bob_client.post(reverse("like_message", args=[message.pk])).status_code == 302
    after = _page(bob_client, message)
    assert _pressed(after, f"m{message.pk}") == "true"
    assert f'<span class="like-count">{count + 1}</span>' in after
    assert f'<span class="like-count">{count + 1}</span>' in _page(_client(alice), message)


def test_the_renderers_flash_message_never_reaches_the_shared_copy(scene):
    message, _author, alice, bob, *_ = scene
    alice_client = _client(alice)
    alice_client.post(reverse("add_comment", args=[message.pk]), {"text": "조명 고쳐 주세요"})
    assert "댓글을 등록했습니다" in _page(alice_client, message)  # her own page, rendered afresh
    assert "댓글을 등록했습니다" not in _page(_client(bob), message)
    assert "조명 고쳐 주세요" in _page(_client(bob), message)  # the new comment retired the copy


def test_the_feed_is_shared_between_citizens_and_stays_apart_from_the_anonymous_copy(
        scene, django_assert_max_num_queries):
    message, _author, alice, bob, *_ = scene
    alice_feed = _client(alice).get("/").content.decode()
    bob_client = _client(bob)
    with django_assert_max_num_queries(2):  # session and user: the page itself is shared
        bob_feed = bob_client.get("/").content.decode()
    anonymous_feed = Client().get("/").content.decode()
    assert TEXT in bob_feed and TEXT in anonymous_feed
    logout = reverse("account_logout")
    assert logout in alice_feed and logout in bob_feed and logout not in anonymous_feed
