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


class KakaoAlimtalkProvider:
    """카카오 알림톡 through the business message API (SMC_KAKAO_ALIMTALK_URL): a template code per
    event and its variables; the sender key from the environment, never logged."""

    name = "kakao"

    def send(self, notification: Notification) -> bool:
        user = notification.user
        if not user.phone or not _kakao_consent(user):
            return False
        template = settings.SMC_KAKAO_TEMPLATES.get(notification.event)
        if not template:
            return False
        payload = {
            "senderKey": settings.SMC_KAKAO_SENDER_KEY,
            "templateCode": template,
            "recipientList": [{
                "recipientNo": user.phone,
                "templateParameter": {
                    "number": str(notification.message_id),
                    "url": question_url(notification.message),
                },
            }],
        }
        try:
            response = requests.post(settings.SMC_KAKAO_ALIMTALK_URL, json=payload, timeout=10)
            response.raise_for_status()
            ok = response.json().get("header", {}).get("isSuccessful", False)
        except (requests.RequestException, ValueError) as exc:
            log.warning("알림톡 발송 실패 (알림 #%s): %s", notification.pk, type(exc).__name__)
            return False
        return bool(ok)


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
    deliver(notification)
    return [notification]
