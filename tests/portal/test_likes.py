import threading

import pytest
from django.db import close_old_connections
from django.urls import reverse

from messages_app.models import Answer, Message
from portal.models import Like
from portal.services import toggle_like
from tests.factories import citizen, public_message


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0


def test_toggle_like_message_and_answer(seeded):
    m = public_message(answer="답변입니다")
    user = citizen()
    assert toggle_like(user, message=m) == (True, 1)
    assert toggle_like(user, answer=m.answer) == (True, 1)
    assert toggle_like(user, message=m) == (False, 0)
    assert toggle_like(citizen(), message=m) == (True, 1)
    assert Like.objects.filter(message=m).count() == 1
    with pytest.raises(ValueError):
        toggle_like(user)


def _run_threads(n, target):
    barrier = threading.Barrier(n)
    errors = []

    def run(i):
        try:
            barrier.wait()
            target(i)
        except Exception as e:  # noqa: BLE001 - reported by the assertion below
            errors.append(e)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_likes_of_many_citizens_give_one_exact_count(seeded):
    m = public_message(answer="답")
    users = [citizen() for _ in range(20)]
    _run_threads(20, lambda i: toggle_like(users[i], message=m))
    _run_threads(20, lambda i: toggle_like(users[i], answer=Answer.objects.get(message=m)))
    assert Message.objects.get(pk=m.pk).like_count == 20 == Like.objects.filter(message=m).count()
    assert Answer.objects.get(message=m).like_count == 20


@pytest.mark.django_db(transaction=True)
def test_one_citizen_clicking_many_times_at_once_keeps_count_equal_to_rows(seeded):
    m = public_message()
    user = citizen()
    _run_threads(10, lambda i: toggle_like(user, message=m))
    rows = Like.objects.filter(message=m).count()
    assert rows in (0, 1)
    assert Message.objects.get(pk=m.pk).like_count == rows


def test_like_view_needs_login_post_and_a_public_message(client, seeded):
    from messages_app.models import Kind

    m = public_message()
    url = reverse("like_message", args=[m.pk])
    assert client.post(url).status_code == 302 and Like.objects.count() == 0  # to the login page
    client.force_login(citizen())
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert Message.objects.get(pk=m.pk).like_count == 1
    page = client.get(reverse("message", args=[m.pk])).content.decode()
    assert 'aria-pressed="true"' in page
    private = public_message(kind=Kind.DIRECT)
    assert client.post(reverse("like_message", args=[private.pk])).status_code == 404


def test_like_rate_limit_answers_429_in_korean(client, seeded, settings):
    settings.SMC_RATE_LIKE = "3/h"
    m = public_message()
    client.force_login(citizen())
    url = reverse("like_message", args=[m.pk])
    codes = [client.post(url).status_code for _ in range(4)]
    assert codes[:3] == [302, 302, 302]
    response = client.post(url)
    assert response.status_code == 429
    assert "잠시 후 다시 시도해 주세요" in response.content.decode()
    assert Message.objects.get(pk=m.pk).like_count == 1  # 3 toggles went through, the rest did not
