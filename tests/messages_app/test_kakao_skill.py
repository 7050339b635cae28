"""The KakaoTalk channel end to end: the Open Builder's skill request (the documentation's payload)
is verified, stored once as a private message and answered in the skill response with its 접수번호
and a link; "답변 확인" shows the answer; the staff answer goes out through the Event API (replayed at
its real URL), falls back to 알림톡 when refused; broadcasts reach the users who wrote; the poller
leaves the channel alone; the demo simulator uses the same path."""

import copy
import json
import re
from datetime import timedelta

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.connectors import kakao
from accounts.models import Account, Platform
from accounts.models import Status as AccountStatus
from messages_app.models import Kind, Message, Outbox, Status
from messages_app.services import handling, polling
from messages_app.services import kakao as chats
from outbound import services as outbound
from outbound.models import Posting
from portal import selectors as public
from portal.models import Notification
from tests import factories
from tests.accounts.recordings import add, load
from tests.portal.test_citizen_notify import _kakao_user, alimtalk  # noqa: F401 - the fake 알림톡 API

BOT = "667e5382f2b2f84cb555091c"
USER = "fdc236a66636a5f21bcdf3b4589ac2318b3373528cbdcb5c2362f3cc7a4c3f05c9"
TALK = f"https://bot-api.kakao.com/v2/bots/{BOT}/talk"
SECRET = "skill-secret-for-tests"


@pytest.fixture
def channel(seeded):
    account = Account.objects.get(platform=Platform.KAKAO)
    account.credentials = {"bot_id": BOT, "skill_secret": SECRET, "rest_api_key": "restkey0123456789",
                           "event_name": "smc_answer"}
    account.save()
    return account


def payload(utterance=None, user=USER, **properties) -> dict:
    body = copy.deepcopy(load("kakao_skill_request.json")["body"])
    if utterance is not None:
        body["userRequest"]["utterance"] = utterance
    body["userRequest"]["user"]["id"] = user
    body["userRequest"]["user"]["properties"].update(properties)
    return body


def ask(client, account, body, secret=SECRET, raw=None):
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False)
    headers = {"HTTP_X_SMC_SKILL_KEY": secret} if secret is not None else {}
    return client.post(f"/kakao/skill/{account.pk}/", data, content_type="application/json", **headers)


def texts(response) -> str:
    return "\n".join(o["simpleText"]["text"] for o in response.json()["template"]["outputs"])


def test_a_chat_is_stored_once_private_routed_and_answered_with_its_number_and_link(client, channel):
    first = ask(client, channel, payload())
    assert first.status_code == 200
    body = first.json()
    assert body["version"] == "2.0"
    assert [q["label"] for q in body["template"]["quickReplies"]] == ["답변 확인", "새 질문"]
    message = Message.objects.get(platform=Platform.KAKAO)
    assert message.kind == Kind.DIRECT and message.is_private and message.account_id == channel.pk
    assert message.author_external_id == USER and "보도블록" in message.text
    assert message.status and message.due_at  # classified, routed, given a deadline like any message
    assert f"접수번호는 {message.pk}번" in texts(first)
    link = re.search(r"https?://\S+/kakao/q/(\S+)/", texts(first))
    assert link and chats.message_of_token(link.group(1)) == message

    # Kakao sends the request again when the skill is slow: stored once, the same number.
    again = ask(client, channel, payload())
    assert Message.objects.filter(platform=Platform.KAKAO).count() == 1
    assert f"접수번호는 {message.pk}번" in texts(again)
    assert message.pk not in set(public.any_public().values_list("pk", flat=True))


def test_the_same_words_after_the_retry_window_are_a_new_question(client, channel):
    ask(client, channel, payload())
    from django.core.cache import cache

    cache.delete_pattern("kakao:request:*")  # the window has passed
    ask(client, channel, payload())
    assert Message.objects.filter(platform=Platform.KAKAO).count() == 2


@pytest.mark.parametrize(("secret", "change"), [
    (None, {}), ("wrong-secret", {}), (SECRET, {"bot": {"id": "another-bot", "name": "남의 봇"}}),
])
def test_a_request_not_from_the_configured_bot_is_refused_and_stores_nothing(client, channel, secret, change):
    response = ask(client, channel, {**payload(), **change}, secret=secret)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert not Message.objects.filter(platform=Platform.KAKAO).exists()


def test_the_secret_may_be_the_urls_key_parameter_and_an_unknown_account_is_404(client, channel):
    body = json.dumps(payload(), ensure_ascii=False)
    ok = client.post(f"/kakao/skill/{channel.pk}/?key={SECRET}", body, content_type="application/json")
    assert ok.status_code == 200
    x_account = Account.objects.filter(platform=Platform.X).first()
    assert client.post(f"/kakao/skill/{x_account.pk}/?key={SECRET}", body,
                       content_type="application/json").status_code == 404


def test_hostile_input_gets_a_clear_refusal_and_loses_nothing(client, channel):
    ask(client, channel, payload("버스 정류장 의자가 부서졌어요"))
    huge = ask(client, channel, payload("가" * 100_000))
    assert huge.status_code == 200 and huge.json()["error"]["code"] == "too_large"
    assert "4,000" in texts(huge)  # the citizen reads why and what to do
    broken = ask(client, channel, None, raw=b'{"userRequest": {"utterance": ')
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "invalid"
    deep = ask(client, channel, None, raw=b"[" * 5000 + b"]" * 5000)
    assert deep.status_code == 400
    too_big = ask(client, channel, None, raw=json.dumps(payload("가" * 400_000)).encode())
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "too_large"
    not_utf8 = ask(client, channel, None, raw=b'{"bot": "\xff\xfe"}')
    assert not_utf8.status_code == 400
    controls = ask(client, channel, payload("신호등이\x00 고장\x1b[31m 났어요\u202e"))
    assert controls.status_code == 200
    stored = list(Message.objects.filter(platform=Platform.KAKAO).order_by("pk").values_list("text", flat=True))
    assert stored[0] == "버스 정류장 의자가 부서졌어요" and len(stored) == 2
    assert "\x00" not in stored[1] and "\x1b" not in stored[1] and "\u202e" not in stored[1]
    assert "신호등이" in stored[1] and "났어요" in stored[1]


def test_a_paused_channel_says_so_and_stores_nothing(client, channel):
    Account.objects.filter(pk=channel.pk).update(status=AccountStatus.PAUSED)
    response = ask(client, channel, payload())
    assert response.status_code == 200 and "질문을 받지 않습니다" in texts(response)
    assert not Message.objects.filter(platform=Platform.KAKAO).exists()


def test_new_question_asks_for_it_and_stores_nothing(client, channel):
    response = ask(client, channel, payload("새 질문"))
    assert "적어 보내 주세요" in texts(response)
    assert not Message.objects.filter(platform=Platform.KAKAO).exists()


@pytest.fixture
def answered(client, channel, django_capture_on_commit_callbacks):
    ask(client, channel, payload())
    message = Message.objects.get(platform=Platform.KAKAO)
    worker = factories.staff("kakao_worker", message.division.code)
    with django_capture_on_commit_callbacks(execute=False):
        handling.answer(message, actor=worker, text="이번 주 안에 보도블록을 교체하겠습니다. - 도로관리과")
    return message


def test_answer_check_shows_the_status_then_the_answer(client, channel):
    assert "아직 보내신 질문이 없습니다" in texts(ask(client, channel, payload("답변 확인")))
    ask(client, channel, payload())
    message = Message.objects.get(platform=Platform.KAKAO)
    waiting = texts(ask(client, channel, payload("답변 확인")))
    assert f"접수번호 {message.pk}번" in waiting and message.get_status_display() in waiting
    worker = factories.staff("kakao_worker2", message.division.code)
    handling.answer(message, actor=worker, text="이번 주 안에 보도블록을 교체하겠습니다.")
    shown = texts(ask(client, channel, payload("답변 확인")))
    assert "이번 주 안에 보도블록을 교체하겠습니다." in shown and "답변 완료" in shown
    # Another user's "답변 확인" shows nothing of it.
    assert "아직 보내신 질문이 없습니다" in texts(ask(client, channel, payload("답변 확인", user="someone-else")))


def test_the_status_link_shows_the_answer_to_its_holder_only(client, answered):
    page = client.get(chats.status_link(answered).removeprefix("http://127.0.0.1:8000"))
    assert page.status_code == 200
    assert "이번 주 안에 보도블록을 교체하겠습니다." in page.content.decode()
    assert page["Cache-Control"] == "private, no-store" and page["Referrer-Policy"] == "no-referrer"
    assert client.get(f"/kakao/q/{chats.status_token(answered)}x/").status_code == 404
    other = factories.routed("bus-policy", is_private=True)
    from django.core import signing

    forged = signing.dumps(other.pk, salt="another.salt")
    assert client.get(f"/kakao/q/{forged}/").status_code == 404
    assert client.get(f"/m/{answered.pk}/").status_code == 404  # never on the public pages


@responses.activate
def test_the_answer_goes_out_through_the_event_api(answered):
    add(responses, "POST", TALK, "kakao_event_accepted.json")
    [posting_id] = Outbox.objects.filter(answer__message=answered).values_list("posting_id", flat=True)
    posting = Posting.objects.get(pk=posting_id)
    assert posting.private and posting.reply_to == answered.external_id
    assert outbound.post_once(posting_id).outcome == "posted"
    body = json.loads(responses.calls[0].request.body)
    assert body["user"] == [{"type": "botUserKey", "id": USER}]
    assert body["event"] == {"name": "smc_answer", "data": {"text": answered.answer.text}}
    posting.refresh_from_db()
    assert posting.state == Posting.State.POSTED and posting.external_id == "5f767a00-2ac6-408a-865b-be66ede611a2"


@responses.activate
def test_a_refused_event_api_falls_back_to_alimtalk_for_a_linked_kakao_login(
        client, channel, alimtalk, django_capture_on_commit_callbacks):  # noqa: F811
    citizen = factories.citizen("kakao_citizen")
    _kakao_user(citizen)
    SocialAccount.objects.create(user=citizen, provider="kakao", uid="708203191")
    ask(client, channel, payload(appUserId="708203191"))
    message = Message.objects.get(platform=Platform.KAKAO)
    with django_capture_on_commit_callbacks(execute=False):
        handling.answer(message, actor=factories.staff("kw3", message.division.code), text="교체하겠습니다.")
    add(responses, "POST", TALK, "kakao_error_3.json")  # the app is not set up for the Event API
    responses.add_passthru("http://127.0.0.1")  # the fake 알림톡 API
    posting_id = Outbox.objects.get(answer__message=message).posting_id
    assert outbound.post_once(posting_id).outcome == Posting.State.FAILED
    notice = Notification.objects.get(user=citizen, message=message)
    assert notice.channel == "kakao" and mail.outbox == []
    [sent] = alimtalk.received
    assert sent["body"]["recipientList"][0]["templateParameter"]["url"].startswith(chats.status_link(message)[:40])
    assert "/kakao/q/" in sent["body"]["recipientList"][0]["templateParameter"]["url"]
    # Whatever happened, the chat's "답변 확인" shows the answer.
    assert "교체하겠습니다." in texts(ask(client, channel, payload("답변 확인")))


@responses.activate
def test_without_a_linked_login_the_answer_waits_for_answer_check(client, answered):
    add(responses, "POST", TALK, "kakao_error_3.json")
    posting_id = Outbox.objects.get(answer__message=answered).posting_id
    assert outbound.post_once(posting_id).outcome == Posting.State.FAILED
    assert not Notification.objects.exists()


def test_the_poller_never_polls_a_kakao_channel(channel, settings):
    settings.SMC_SIMULATE = True
    assert channel.pk not in polling.due_account_ids(timezone.now() + timedelta(days=1))
    assert Account.objects.filter(platform=Platform.X, is_polled=True).exists()


def test_the_broadcast_audience_is_who_wrote_within_the_period_and_still_a_friend(client, channel, settings):
    settings.SMC_KAKAO_AUDIENCE_DAYS = 30
    ask(client, channel, payload("첫 질문", user="user-a"))
    ask(client, channel, payload("둘째 질문", user="user-b"))
    ask(client, channel, payload("다른 질문", user="user-b"))
    ask(client, channel, payload("친구 끊음", user="user-c", isFriend=False))
    ask(client, channel, payload("오래된 질문", user="user-d"))
    Message.objects.filter(author_external_id="user-d").update(posted_at=timezone.now() - timedelta(days=40))
    assert sorted(kakao.audience_of(channel)) == ["user-a", "user-b"]


@responses.activate
def test_a_broadcast_delivery_reaches_only_the_users_sent(client, channel, make_staff):
    from broadcast import selectors as alerts
    from broadcast.models import Delivery
    from tests.broadcast.factories import approved, people

    for n in range(3):
        ask(client, channel, payload(f"질문 {n}", user=f"user-{n}"))
    broadcast = approved(*people(make_staff))
    delivery = Delivery.objects.get(broadcast=broadcast, account=channel)
    add(responses, "POST", TALK, "kakao_event_accepted.json")
    assert outbound.post_once(delivery.posting_id).outcome == "posted"
    body = json.loads(responses.calls[0].request.body)
    assert sorted(u["id"] for u in body["user"]) == ["user-0", "user-1", "user-2"]
    delivery.refresh_from_db()
    assert delivery.followers == 3
    assert alerts.progress(broadcast.pk)["reach"] == 3  # the only delivery posted so far


def test_the_simulator_chats_through_the_skill_path_only_in_the_demo(seeded, settings):
    account = Account.objects.get(platform=Platform.KAKAO)
    settings.SMC_SIMULATE = False
    assert chats.simulate_all() == 0
    settings.SMC_SIMULATE, settings.SMC_SIMULATOR_RATE = True, 60.0
    new = chats.simulate_all()
    stored = Message.objects.filter(platform=Platform.KAKAO, account=account)
    assert new >= 1 and stored.count() == new
    assert all(m.is_simulated and m.is_private and m.kind == Kind.DIRECT for m in stored)
    assert all(m.status != Status.SPAM and m.author_external_id.startswith("sim-user-") for m in stored)
    account.refresh_from_db()
    assert account.poll_cursor  # the simulator's place, so the next run does not repeat them


def _skill_routes(entries=None, prefix=""):
    for entry in get_resolver().url_patterns if entries is None else entries:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _skill_routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and route.startswith("kakao/"):
            yield route


def test_every_kakao_url_refuses_strangers_and_shows_nothing_private(channel):
    """Generated from the URL conf: each kakao/ URL, anonymous and as staff of another division."""
    private = factories.routed("bus-policy", text="김철수 010-1234-5678 개인적인 사정", is_private=True)
    staff = Client()
    staff.force_login(factories.staff("kakao_stranger", "road-management"))
    routes = sorted(set(_skill_routes()))
    assert routes == ["kakao/q/<str:token>/", "kakao/skill/<int:account_id>/"]
    for route in routes:
        url = "/" + route.replace("<int:account_id>", str(channel.pk)).replace("<str:token>", str(private.pk))
        for who, visitor in (("anonymous", Client()), ("staff", staff)):
            for method in ("get", "post"):
                response = getattr(visitor, method)(url)
                assert response.status_code in (403, 404, 405), f"{method} {url} as {who}"
                assert "010-1234-5678" not in response.content.decode()
    assert not Message.objects.filter(platform=Platform.KAKAO).exists()
