"""Telling a citizen that their question moved: answered, transferred to another division, overdue.

Providers share one interface (send(notification) -> bool). E-mail is built in; 카카오 알림톡 is a
second provider, turned on by SMC_NOTIFY_PROVIDERS, used for citizens who gave a phone number and
the optional consent; when it fails the notice falls back to e-mail. The hook: portal registers
receivers (portal.apps) for messages_app's StatusChange rows and its `message_overdue` signal, and
sends after the transaction commits. messages_app knows nothing of portal.
"""

import logging

import requests
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from messages_app.models import Message, Outbox
from messages_app.services import kakao as kakao_chats
from users import access
from users.models import User

from . import selectors
from .models import Notification

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "portal.notify.unsubscribe"

SUBJECTS = {
    Notification.Event.ANSWERED: "[서울시 SMC] 질문 #{pk}에 답변이 등록되었습니다",
    Notification.Event.TRANSFERRED: "[서울시 SMC] 질문 #{pk}이(가) 다른 부서로 이송되었습니다",
    Notification.Event.OVERDUE: "[서울시 SMC] 질문 #{pk}의 처리 기한이 지났습니다",
}

BODIES = {
    Notification.Event.ANSWERED: ("보내신 질문 #{pk}에 서울시 담당 부서가 답변했습니다. "
                                  "답변을 읽고 만족도를 평가해 주세요."),
    Notification.Event.TRANSFERRED: "보내신 질문 #{pk}을(를) 더 알맞은 부서가 처리하도록 이송했습니다.",
    Notification.Event.OVERDUE: "보내신 질문 #{pk}의 처리 기한이 지났습니다. 담당 부서에 독촉했습니다.",
}


def unsubscribe_token(user) -> str:
    return signing.dumps(user.pk, salt=UNSUBSCRIBE_SALT)


def user_of_token(token: str, max_age=None):
    from users.models import User

    pk = signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)
    return User.objects.get(pk=pk)


def _absolute(path: str) -> str:
    return settings.SMC_SITE_URL + path


def question_url(message: Message) -> str:
    """Where the notice sends its reader: a KakaoTalk chat's signed status page (the asker's Kakao
    chat identity is not their portal login), any other question's 내 질문 page."""
    if message.platform == "kakao":
        return kakao_chats.status_link(message)
    return _absolute(reverse("my_question", args=[message.pk]))


class EmailProvider:
    name = "email"

    def send(self, notification: Notification) -> bool:
        user = notification.user
        if not user.email or not user.notify_by_email:
            return False
        pk = notification.message_id
        page = question_url(notification.message)
        unsubscribe = _absolute(reverse("unsubscribe", args=[unsubscribe_token(user)]))
        body = (f"{BODIES[notification.event].format(pk=pk)}\n\n"
                f"내 질문 보기: {page}\n\n"
                f"이 알림을 그만 받으려면: {unsubscribe}\n")
        EmailMessage(SUBJECTS[notification.event].format(pk=pk), body, settings.DEFAULT_FROM_EMAIL, [user.email],
                     headers={"List-Unsubscribe": f"<{unsubscribe}>"}).send()
        return True


# The text of each 알림톡 template as registered with Kakao (one template code per event,
# SMC_KAKAO_TEMPLATES). Kakao delivers only the registered text: the API sends the template code and
# a value for each #{variable}, never the text, so the variables below must be exactly the template's.
ALIMTALK_TEMPLATES = {
    Notification.Event.ANSWERED: ("[서울시 SMC] 보내신 질문(번호 #{number})에 담당 부서가 답변했습니다.\n"
                                  "답변을 읽고 만족도를 평가해 주세요.\n#{url}"),
    Notification.Event.TRANSFERRED: ("[서울시 SMC] 보내신 질문(번호 #{number})을 더 알맞은 부서가 처리하도록 "
                                     "이송했습니다.\n#{url}"),
    Notification.Event.OVERDUE: ("[서울시 SMC] 보내신 질문(번호 #{number})의 처리 기한이 지났습니다. "
                                 "담당 부서에 독촉했습니다.\n#{url}"),
}


def fill_template(text: str, parameters: dict) -> str:
    for key, value in parameters.items():
        text = text.replace("#{" + key + "}", value)
    return text


class KakaoAlimtalkProvider:
    """카카오 알림톡 through NHN Cloud's KakaoTalk Bizmessage API, "메시지 치환 발송" (template send):
        POST {SMC_KAKAO_ALIMTALK_URL}/alimtalk/v2.3/appkeys/{appkey}/messages, header X-Secret-Key,
        {"senderKey", "templateCode", "recipientList": [{"recipientNo", "templateParameter",
         "resendParameter", "recipientGroupingKey"}]}
    answered by {"header": {"isSuccessful", "resultCode", "resultMessage"},
                 "message": {"requestId", "sendResults": [{"recipientNo", "resultCode", ...}]}}
    (docs.nhncloud.com, Notification > KakaoTalk Bizmessage > 알림톡 > API v2.x guide). The request
    can be accepted while the recipient is refused: only resultCode 0 for our recipient counts as sent,
    anything else falls back to the next provider (e-mail). When a sender number is registered
    (SMC_KAKAO_RESEND_SEND_NO), NHN itself resends as LMS if KakaoTalk cannot deliver later on
    (no KakaoTalk, blocked channel). Keys from the environment, never logged; nor is the phone."""

    name = "kakao"
    PATH = "/alimtalk/v2.3/appkeys/{appkey}/messages"

    def send(self, notification: Notification) -> bool:
        user = notification.user
        phone = "".join(ch for ch in user.phone if ch.isdigit())  # recipientNo: digits only, at most 15
        if not phone or not _kakao_consent(user) or not settings.SMC_KAKAO_ALIMTALK_URL:
            return False
        template = settings.SMC_KAKAO_TEMPLATES.get(notification.event)
        if not template:
            return False
        parameters = {
            "number": str(notification.message_id),
            "url": question_url(notification.message),
        }
        recipient: dict = {"recipientNo": phone, "templateParameter": parameters,
                           "recipientGroupingKey": f"smc-notice-{notification.pk}"}
        if settings.SMC_KAKAO_RESEND_SEND_NO:
            recipient["resendParameter"] = {
                "isResend": True, "resendType": "LMS", "resendTitle": "[서울시 SMC]",
                "resendContent": fill_template(ALIMTALK_TEMPLATES[notification.event], parameters),
                "resendSendNo": settings.SMC_KAKAO_RESEND_SEND_NO,
            }
        payload = {"senderKey": settings.SMC_KAKAO_SENDER_KEY, "templateCode": template,
                   "recipientList": [recipient]}
        url = settings.SMC_KAKAO_ALIMTALK_URL.rstrip("/") + self.PATH.format(appkey=settings.SMC_KAKAO_APPKEY)
        try:
            response = requests.post(url, json=payload, timeout=10,
                                     headers={"X-Secret-Key": settings.SMC_KAKAO_SECRET_KEY,
                                              "Content-Type": "application/json;charset=UTF-8"})
            response.raise_for_status()
            answer = response.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("알림톡 발송 실패 (알림 #%s): %s", notification.pk, type(exc).__name__)
            return False
        header = answer.get("header") or {}
        results = (answer.get("message") or {}).get("sendResults") or []
        if header.get("isSuccessful") and results and all(r.get("resultCode") == 0 for r in results):
            return True
        codes = [r.get("resultCode") for r in results] or [header.get("resultCode")]
        log.warning("알림톡 발송 거부 (알림 #%s): 결과 코드 %s", notification.pk, codes)
        return False


def _kakao_consent(user) -> bool:
    from .models import ConsentRecord

    latest = ConsentRecord.objects.filter(user=user, key="signup_optional").order_by("-created_at").first()
    return bool(latest and latest.agreed)


PROVIDERS = {"email": EmailProvider, "kakao": KakaoAlimtalkProvider}


def providers() -> list:
    return [PROVIDERS[name]() for name in settings.SMC_NOTIFY_PROVIDERS]


def deliver(notification: Notification) -> str:
    """Try the providers in order (알림톡 first when configured), falling back to the next one."""
    for provider in providers():
        try:
            if provider.send(notification):
                Notification.objects.filter(pk=notification.pk).update(channel=provider.name)
                return provider.name
        except Exception:  # one provider failing must not keep the citizen from the next
            log.exception("알림 발송 실패 (%s, 알림 #%s)", provider.name, notification.pk)
    return ""


def notify(message_id: int, event: str) -> list[Notification]:
    """Record and send the notice to every citizen this question belongs to: its portal asker and
    whoever logged in with the social account that wrote it (selectors.owners, 내 민원's rule)."""
    message = Message.objects.get(pk=message_id)
    sent = []
    for user in selectors.owners(message):
        with transaction.atomic():
            notification = Notification.objects.create(user=user, message=message, event=event)
            User.objects.filter(pk=user.pk).update(unread_notices=F("unread_notices") + 1)
            access.row_updated(user)
        deliver(notification)
        sent.append(notification)
    return sent


def notify_on_commit(message_id: int, event: str) -> None:
    transaction.on_commit(lambda: notify(message_id, event))


def notify_kakao_fallback(posting_id: int) -> list[Notification]:
    """A KakaoTalk answer the Event API did not deliver (refused, not configured): the asker is told
    through the providers (알림톡 first when configured) if their chat names a Kakao Login id
    (userRequest.user.properties.appUserId) of a portal user who logged in with Kakao. Otherwise the
    answer waits in the chat's "답변 확인"."""
    from allauth.socialaccount.models import SocialAccount

    outbox = (Outbox.objects.filter(posting_id=posting_id, answer__message__platform="kakao")
              .select_related("answer__message").first())
    if outbox is None:
        return []
    message = outbox.answer.message
    user_props = (((message.raw or {}).get("userRequest") or {}).get("user") or {}).get("properties") or {}
    app_user_id = str(user_props.get("appUserId") or "") if isinstance(user_props, dict) else ""
    social = SocialAccount.objects.filter(provider="kakao", uid=app_user_id).select_related("user").first() \
        if app_user_id else None
    if social is None or not social.user.is_active:
        return []
    with transaction.atomic():
        notification = Notification.objects.create(user=social.user, message=message,
                                                   event=Notification.Event.ANSWERED)
        User.objects.filter(pk=social.user_id).update(unread_notices=F("unread_notices") + 1)
        access.row_updated(social.user)
    deliver(notification)
    return [notification]
