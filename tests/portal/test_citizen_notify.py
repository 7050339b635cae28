"""A citizen is told when their question is answered, transferred or overdue: e-mail with an
unsubscribe link, the portal counter, and 카카오 알림톡 (against a local fake of its HTTP API)."""

import json
import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from departments.models import Division
from messages_app.services import escalation, handling
from portal.models import ConsentRecord, Notification
from tests.factories import citizen, routed, staff


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.SMC_PORTAL_CACHE_SECONDS = 0
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def asker(seeded):
    user = citizen()
    question = routed("bus-policy", citizen=user, platform="web", handle=None)
    worker = staff("bus_notify", "bus-policy")
    return user, question, worker


def _unread(user):
    user.refresh_from_db()
    return user.unread_notices


def test_answer_sends_one_email_with_unsubscribe_link_and_counts_on_the_portal(
        client, asker, django_capture_on_commit_callbacks):
    user, question, worker = asker
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    assert [m.to for m in mail.outbox] == [[user.email]]
    sent = mail.outbox[0]
    assert f"#{question.pk}" in sent.subject and "답변" in sent.subject
    assert reverse("my_question", args=[question.pk]) in sent.body
    unsubscribe = sent.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in sent.body
    assert Notification.objects.get(user=user).channel == "email"
    assert _unread(user) == 1
    client.force_login(user)
    assert 'data-unread="1"' in client.get("/").content.decode()
    # Opening the question reads its notice: the counter goes.
    client.get(reverse("my_question", args=[question.pk]))
    assert _unread(user) == 0
    assert "data-unread" not in client.get("/").content.decode()
    # Unsubscribing: a GET changes nothing, the POST stops further e-mail (the counter still counts).
    path = urlsplit(unsubscribe).path
    client.logout()
    client.get(path)
    user.refresh_from_db()
    assert user.notify_by_email
    client.post(path)
    user.refresh_from_db()
    assert not user.notify_by_email
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        handling.change_status(question, "in_progress", actor=worker)
    assert mail.outbox == []


def test_a_forged_unsubscribe_token_is_a_404(client, db):
    assert client.get(reverse("unsubscribe", args=["1:forged:token"])).status_code == 404


def test_transfer_notifies_and_a_plain_status_change_does_not(asker, django_capture_on_commit_callbacks):
    user, question, worker = asker
    desk = staff("desk_notify", "new-media", role="SMC 데스크")
    with django_capture_on_commit_callbacks(execute=True):
        handling.change_status(question, "in_progress", actor=worker)
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        other = Division.objects.exclude(code="bus-policy").first()
        handling.transfer(question, other, actor=desk, reason="도로 관리 업무")
    assert [n.event for n in Notification.objects.filter(user=user)] == ["transferred"]
    assert len(mail.outbox) == 1 and "이송" in mail.outbox[0].subject


def test_overdue_notifies_once(asker, django_capture_on_commit_callbacks):
    user, question, _ = asker
    question.due_at = timezone.now() - timedelta(hours=1)
    question.save(update_fields=["due_at"])
    with django_capture_on_commit_callbacks(execute=True):
        escalation.run()
    with django_capture_on_commit_callbacks(execute=True):
        escalation.run()
    assert [n.event for n in Notification.objects.filter(user=user)] == ["overdue"]
    assert [m.to for m in mail.outbox if "기한" in m.subject and user.email in m.to] == [[user.email]]


def test_no_notice_for_a_question_no_citizen_sent_from_the_portal(seeded, django_capture_on_commit_callbacks):
    question = routed("bus-policy")
    worker = staff("bus_notify2", "bus-policy")
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="답변입니다.")
    assert not Notification.objects.exists() and mail.outbox == []


# --- 카카오 알림톡 ---------------------------------------------------------------------------------

class FakeAlimtalk(BaseHTTPRequestHandler):
    """NHN Cloud KakaoTalk Bizmessage's 알림톡 "메시지 치환 발송" endpoint, in the shape its API guide
    gives (docs.nhncloud.com, Notification > KakaoTalk Bizmessage > 알림톡 > API v2.x):
    POST /alimtalk/v2.3/appkeys/{appkey}/messages with X-Secret-Key; the answer has a header
    (isSuccessful, resultCode, resultMessage) and one sendResults row per recipient. A wrong secret
    key is refused in the header; `refuse_recipient` accepts the request but refuses the recipient
    (a non-zero resultCode; the value here is illustrative)."""

    APPKEY, SECRET = "appkey-test", "secret-key-test"
    received: list = []
    fail = False
    refuse_recipient = False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"path": self.path, "body": body, "headers": dict(self.headers)})
        if type(self).fail:
            self.send_response(500)
            self.end_headers()
            return
        authorised = self.headers.get("X-Secret-Key") == self.SECRET
        if not authorised or self.path != f"/alimtalk/v2.3/appkeys/{self.APPKEY}/messages":
            answer = {"header": {"resultCode": -1, "resultMessage": "Invalid appkey or secret key",
                                 "isSuccessful": False}}
        else:
            code = -1 if type(self).refuse_recipient else 0
            answer = {"header": {"resultCode": 0, "resultMessage": "success", "isSuccessful": True},
                      "message": {"requestId": "20261206230000abcdefghij0", "senderGroupingKey": None,
                                  "sendResults": [
                                      {"recipientSeq": seq, "recipientNo": r["recipientNo"], "resultCode": code,
                                       "resultMessage": "success" if code == 0 else "failed",
                                       "recipientGroupingKey": r.get("recipientGroupingKey")}
                                      for seq, r in enumerate(body["recipientList"], start=1)]}}
        self.send_response(200)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def alimtalk(settings):
    FakeAlimtalk.received, FakeAlimtalk.fail, FakeAlimtalk.refuse_recipient = [], False, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAlimtalk)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMC_NOTIFY_PROVIDERS = ["kakao", "email"]
    settings.SMC_KAKAO_ALIMTALK_URL = f"http://127.0.0.1:{server.server_port}"
    settings.SMC_KAKAO_APPKEY = FakeAlimtalk.APPKEY
    settings.SMC_KAKAO_SECRET_KEY = FakeAlimtalk.SECRET
    settings.SMC_KAKAO_SENDER_KEY = "sender-key-test"
    settings.SMC_KAKAO_RESEND_SEND_NO = ""
    yield FakeAlimtalk
    server.shutdown()
    server.server_close()


def _kakao_user(user, agreed=True):
    user.phone = "010-1234-5678"
    user.save(update_fields=["phone"])
    ConsentRecord.objects.create(user=user, key="signup_optional", required=False, agreed=agreed, version="t")


def test_alimtalk_sends_the_template_code_and_variables_instead_of_email(
        asker, alimtalk, django_capture_on_commit_callbacks):
    from portal.notify import ALIMTALK_TEMPLATES

    user, question, worker = asker
    _kakao_user(user)
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    [call] = alimtalk.received
    body = call["body"]
    assert call["path"] == "/alimtalk/v2.3/appkeys/appkey-test/messages"
    assert call["headers"]["X-Secret-Key"] == "secret-key-test"
    assert call["headers"]["Content-Type"].startswith("application/json")
    assert body["senderKey"] == "sender-key-test" and body["templateCode"] == "SMC_ANSWERED"
    [recipient] = body["recipientList"]
    assert recipient["recipientNo"] == "01012345678"  # digits only, as the API takes it
    assert recipient["templateParameter"]["number"] == str(question.pk)
    assert recipient["templateParameter"]["url"].endswith(reverse("my_question", args=[question.pk]))
    # Kakao sends only the registered text: a value for each of its #{variables}, and nothing else.
    for event, text in ALIMTALK_TEMPLATES.items():
        assert set(re.findall(r"#\{(\w+)\}", text)) == set(recipient["templateParameter"]), event
    assert "content" not in recipient and "resendParameter" not in recipient  # no sender number: no LMS
    assert mail.outbox == []
    assert Notification.objects.get(user=user).channel == "kakao"


def test_alimtalk_resends_as_lms_from_the_registered_number(asker, alimtalk, settings,
                                                            django_capture_on_commit_callbacks):
    user, question, worker = asker
    _kakao_user(user)
    settings.SMC_KAKAO_RESEND_SEND_NO = "0221330000"
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    [recipient] = alimtalk.received[0]["body"]["recipientList"]
    resend = recipient["resendParameter"]
    assert resend["isResend"] is True and resend["resendType"] == "LMS" and resend["resendSendNo"] == "0221330000"
    # The LMS says what the 알림톡 would have said, with the values filled in.
    assert f"(번호 {question.pk})에 담당 부서가 답변" in resend["resendContent"] and "#{" not in resend["resendContent"]
    assert reverse("my_question", args=[question.pk]) in resend["resendContent"]


def test_alimtalk_refused_for_the_recipient_falls_back_to_email(asker, alimtalk, django_capture_on_commit_callbacks):
    user, question, worker = asker
    _kakao_user(user)
    alimtalk.refuse_recipient = True
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    assert len(alimtalk.received) == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert Notification.objects.get(user=user).channel == "email"


def test_alimtalk_with_a_wrong_secret_key_falls_back_to_email(asker, alimtalk, settings,
                                                             django_capture_on_commit_callbacks):
    user, question, worker = asker
    _kakao_user(user)
    settings.SMC_KAKAO_SECRET_KEY = "not-the-key"
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    assert len(alimtalk.received) == 1 and [m.to for m in mail.outbox] == [[user.email]]
    assert Notification.objects.get(user=user).channel == "email"


def test_alimtalk_failure_falls_back_to_email(asker, alimtalk, django_capture_on_commit_callbacks):
    user, question, worker = asker
    _kakao_user(user)
    alimtalk.fail = True
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="배차 간격을 줄이겠습니다.")
    assert len(alimtalk.received) == 1
    assert [m.to for m in mail.outbox] == [[user.email]]
    assert Notification.objects.get(user=user).channel == "email"


def test_alimtalk_is_not_used_without_the_optional_consent(asker, alimtalk, django_capture_on_commit_callbacks):
    user, question, worker = asker
    _kakao_user(user, agreed=False)
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(question, actor=worker, text="답변입니다.")
    assert alimtalk.received == [] and len(mail.outbox) == 1


def test_a_linked_social_login_gets_the_notices_of_its_platform_messages(
        client, seeded, django_capture_on_commit_callbacks):
    """Who sees a tweet in 내 민원 (their X login wrote it) is told about it like a portal asker;
    a login of another provider with the same uid is not (it proves no X identity)."""
    from allauth.socialaccount.models import SocialAccount

    tweeter, stranger = citizen(), citizen()
    SocialAccount.objects.create(user=tweeter, provider="twitter_oauth2", uid="x-uid-501")
    SocialAccount.objects.create(user=stranger, provider="kakao", uid="x-uid-501")
    tweet = routed("bus-policy", "버스 배차 간격이 너무 길어요", author_external_id="x-uid-501")
    desk = staff("desk_linked", "new-media", role="SMC 데스크")
    with django_capture_on_commit_callbacks(execute=True):
        handling.transfer(tweet, Division.objects.get(code="transport-policy"), actor=desk, reason="교통 정책")
    tweet.refresh_from_db()
    tweet.due_at = timezone.now() - timedelta(hours=1)
    tweet.save(update_fields=["due_at"])
    with django_capture_on_commit_callbacks(execute=True):
        escalation.run()
    worker = staff("tp_linked", "transport-policy")
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(tweet, actor=worker, text="배차를 늘리겠습니다.")
    events = sorted(Notification.objects.filter(user=tweeter, message=tweet).values_list("event", flat=True))
    assert events == ["answered", "overdue", "transferred"]
    assert not Notification.objects.filter(user=stranger).exists()
    told = [m for m in mail.outbox if m.to == [tweeter.email]]
    assert len(told) == 3 and not [m for m in mail.outbox if stranger.email in m.to]
    assert _unread(tweeter) == 3
    # The same question is in their 내 민원, and opening it reads its notices.
    client.force_login(tweeter)
    assert f"#{tweet.pk}" in client.get(reverse("my_questions")).content.decode()
    client.get(reverse("my_question", args=[tweet.pk]))
    assert _unread(tweeter) == 0


def test_the_portal_asker_and_a_linked_login_are_each_told_once(seeded, django_capture_on_commit_callbacks):
    from allauth.socialaccount.models import SocialAccount

    from portal import selectors

    user = citizen()
    SocialAccount.objects.create(user=user, provider="facebook", uid="fb-9")
    # A Facebook comment by the same person who also has the question as its portal asker: one notice.
    message = routed("bus-policy", "페이스북 댓글 질문입니다", platform="facebook", handle="seoul.city",
                     author_external_id="fb-9", citizen=user)
    assert selectors.owners(message) == [user]
    with django_capture_on_commit_callbacks(execute=True):
        handling.answer(message, actor=staff("bus_fb", "bus-policy"), text="답변입니다.")
    assert Notification.objects.filter(user=user, message=message).count() == 1
    assert len(mail.outbox) == 1
